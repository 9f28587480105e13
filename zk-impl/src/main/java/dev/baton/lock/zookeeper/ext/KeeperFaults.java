package dev.baton.lock.zookeeper.ext;

import java.util.Objects;
import org.apache.zookeeper.KeeperException.Code;

/**
 * Which ZooKeeper result codes are worth waiting out, which leave a write's outcome unknown, and
 * which are final: decided here, once, for the lock engine and for callers that drive their own
 * requests on the same session (the 2PC coordinator). A pure function of the code.
 *
 * <p>Thread safety: stateless.
 */
public final class KeeperFaults {

    /** What a result code means for the request that got it. */
    public enum Kind {
        /**
         * Not a fault: the server answered, with {@code OK} or with a fact about the data
         * ({@code NONODE}, {@code NODEEXISTS}, {@code NOTEMPTY}, {@code BADVERSION},
         * {@code NOCHILDRENFOREPHEMERALS}, {@code NOWATCHER}) for the caller to act on.
         */
        ANSWER,
        /**
         * The connection dropped or the request timed out ({@code CONNECTIONLOSS},
         * {@code OPERATIONTIMEOUT}, {@code REQUESTTIMEOUT}): the session may be alive, and a write
         * may or may not have been applied. Wait for the reconnection, then find out what a write
         * did before sending it again.
         */
        CONNECTION,
        /**
         * The session ended or moved ({@code SESSIONEXPIRED}, {@code SESSIONMOVED}): its ephemeral
         * nodes are gone or going. Start over on the session Curator makes next.
         */
        SESSION,
        /**
         * Refused for the credentials ({@code NOAUTH}, {@code AUTHFAILED},
         * {@code SESSIONCLOSEDREQUIRESASLAUTH}): retrying cannot help; the configuration must change.
         */
        AUTH,
        /** Anything else (a malformed request, an unimplemented call, a server error): final. */
        FATAL
    }

    private KeeperFaults() {
    }

    /**
     * What {@code code} means.
     *
     * @throws NullPointerException if {@code code} is null
     */
    public static Kind classify(Code code) {
        switch (Objects.requireNonNull(code, "code")) {
            case OK:
            case NONODE:
            case NODEEXISTS:
            case NOTEMPTY:
            case BADVERSION:
            case NOCHILDRENFOREPHEMERALS:
            case NOWATCHER:
                return Kind.ANSWER;
            case CONNECTIONLOSS:
            case OPERATIONTIMEOUT:
            case REQUESTTIMEOUT:
                return Kind.CONNECTION;
            case SESSIONEXPIRED:
            case SESSIONMOVED:
                return Kind.SESSION;
            case NOAUTH:
            case AUTHFAILED:
            case SESSIONCLOSEDREQUIRESASLAUTH:
                return Kind.AUTH;
            default:
                return Kind.FATAL;
        }
    }

    /** Whether waiting for Curator to reconnect (or to make a new session) can cure {@code code}. */
    public static boolean isTransient(Code code) {
        Kind kind = classify(code);
        return kind == Kind.CONNECTION || kind == Kind.SESSION;
    }

    /**
     * Whether a write that got {@code code} may have been applied all the same, so that sending it
     * again needs a check first (or a write that is harmless when repeated).
     */
    public static boolean mayHaveApplied(Code code) {
        return classify(code) == Kind.CONNECTION;
    }
}
