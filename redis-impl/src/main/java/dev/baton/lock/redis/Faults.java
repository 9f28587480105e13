package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import java.util.Locale;
import java.util.NoSuchElementException;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Whether a Redis failure may pass by itself, and how to tell the user about it: the one place that
 * decides which failures a waiting request retries. Every lock script is safe to run again (a retry
 * of an acquire whose reply was lost finds the key already holding its lease id), so the split is
 * only by the kind of failure.
 */
final class Faults {

    private static final String[] TRANSIENT_ERRORS = {
        "LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY", "NOREPLICAS", "MOVED", "ASK"};

    private Faults() {
    }

    /** Whether waiting could cure {@code error}: lost connections, failovers, a server still loading. */
    static boolean isTransient(Throwable error) {
        if (isConnectionLoss(error) || error instanceof JedisBusyException) {
            return true;
        }
        if (error instanceof JedisAccessControlException || isAuthentication(error)) {
            return false;
        }
        if (error instanceof JedisDataException && error.getMessage() != null) {
            for (String prefix : TRANSIENT_ERRORS) {
                if (error.getMessage().startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code error} says no connection to the server could be used, as opposed to an error
     * reply: a connection failed or timed out, or the pool had none free within its wait.
     */
    static boolean isConnectionLoss(Throwable error) {
        return error instanceof JedisConnectionException || error instanceof JedisClusterOperationException
                || (error instanceof JedisException && error.getCause() instanceof NoSuchElementException);
    }

    /** Whether the server refused our credentials or wants some. */
    static boolean isAuthentication(Throwable error) {
        String message = error.getMessage() == null ? "" : error.getMessage().toUpperCase(Locale.ROOT);
        return error instanceof JedisAccessControlException || message.startsWith("WRONGPASS")
                || message.startsWith("NOAUTH") || message.startsWith("NOPERM")
                || message.contains("INVALID PASSWORD") || message.contains("AUTH <PASSWORD> CALLED");
    }

    /**
     * A {@link LockException} saying what failed where, and why in words a user can act on.
     *
     * @param what what was being done, such as {@code "acquire lock 'a'"}
     * @param where the deployment, from {@link RedisSettings#describe()}
     */
    static LockException lockException(String what, Throwable error, String where) {
        String reason = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (isAuthentication(error)) {
            return new LockException("cannot " + what + ": Redis at " + where + " refused authentication ("
                    + reason + "); check " + RedisConfigKeys.USER.name() + " and " + RedisConfigKeys.PASSWORD.name(),
                    error);
        }
        if (isConnectionLoss(error)) {
            return new LockException("cannot " + what + ": Redis at " + where + " is unreachable (" + reason + ")",
                    error);
        }
        return new LockException("cannot " + what + ": Redis at " + where + " answered with an error: " + reason,
                error);
    }
}
