package dev.baton.lock.redis;

import dev.baton.lock.LockNames;
import java.util.List;

/**
 * The Redis keys of one recipe name. Each recipe kind has keys of its own, so {@code lock("x")},
 * {@code readWriteLock("x")}, {@code semaphore("x", n)} and {@code election("x")} never meet, and
 * each kind its own token sequence ({@code <ns>:<kind>-fence:{x}}). Every key of a name carries the
 * encoded name as its Cluster hash tag, so one script can touch them all.
 *
 * <pre>
 * read-write lock  &lt;ns&gt;:rw:{x}           readers: zset of lease id by expiry (server ms)
 *                  &lt;ns&gt;:rw-writer:{x}    the writer's lease id, with the lease TTL
 *                  &lt;ns&gt;:rw-waiting:{x}   waiting writers: zset of lease id by expiry of the intent
 * semaphore        &lt;ns&gt;:sem:{x}          holders: zset of lease id by expiry
 *                  &lt;ns&gt;:sem-permits:{x}  the permit count the holders use
 * election         &lt;ns&gt;:elect:{x}        hash: id, payload, term, since (ms), with the lease TTL
 * each             &lt;ns&gt;:&lt;kind&gt;-fence:{x}   the last token;  &lt;ns&gt;:&lt;kind&gt;-events:{x}  the channel
 * </pre>
 */
final class RecipeKeys {

    static final String READ_WRITE = "rw";
    static final String SEMAPHORE = "sem";
    static final String ELECTION = "elect";

    private RecipeKeys() {
    }

    /** The main key of {@code name} for {@code kind}: {@code <ns>:<kind>:{<encoded>}}. */
    static String main(String namespace, String kind, String name) {
        return namespace + ":" + kind + ":" + tag(name);
    }

    /** A further key of the kind: {@code <ns>:<kind>-<role>:{<encoded>}}. */
    static String of(String namespace, String kind, String role, String name) {
        return namespace + ":" + kind + "-" + role + ":" + tag(name);
    }

    static String fence(String namespace, String kind, String name) {
        return of(namespace, kind, "fence", name);
    }

    static String channel(String namespace, String kind, String name) {
        return of(namespace, kind, "events", name);
    }

    /** Read-write lock KEYS, in the scripts' order: readers, fence, writer, waiting writers. */
    static List<String> readWrite(String namespace, String name) {
        return List.of(main(namespace, READ_WRITE, name), fence(namespace, READ_WRITE, name),
                of(namespace, READ_WRITE, "writer", name), of(namespace, READ_WRITE, "waiting", name));
    }

    /** Semaphore KEYS: holders, fence, permits. */
    static List<String> semaphore(String namespace, String name) {
        return List.of(main(namespace, SEMAPHORE, name), fence(namespace, SEMAPHORE, name),
                of(namespace, SEMAPHORE, "permits", name));
    }

    /** Election KEYS: leader hash, fence. */
    static List<String> election(String namespace, String name) {
        return List.of(main(namespace, ELECTION, name), fence(namespace, ELECTION, name));
    }

    private static String tag(String name) {
        return "{" + LockNames.encode(name) + "}";
    }
}
