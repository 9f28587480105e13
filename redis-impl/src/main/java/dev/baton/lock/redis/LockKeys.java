package dev.baton.lock.redis;

import dev.baton.lock.LockNames;

/**
 * The Redis keys and channel of one lock. The encoded name sits in braces, a Redis Cluster hash
 * tag, so every key of a lock hashes to the same slot and one script can touch them all. Encoded
 * names never contain braces (they are %-escaped), so a name cannot move the tag.
 *
 * @param name the lock name, unencoded
 * @param lock the Jedis backend's lease key: a string holding the lease id, with the lease's TTL
 * @param fence the last fencing token handed out for this name
 * @param channel where a release is announced to waiters
 * @param rlock the Redisson adapter's lock key (a Redisson lock hash)
 */
record LockKeys(String name, String lock, String fence, String channel, String rlock) {

    /**
     * The keys of {@code name} under {@code namespace}.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} breaks the rules of {@link LockNames#check}
     */
    /**
     * The lock name inside a key made by {@link #of} ({@code <namespace>:<kind>:{<encoded>}}), or
     * null if {@code key} is not one.
     */
    static String nameOf(String key, String prefix) {
        if (!key.startsWith(prefix + "{") || !key.endsWith("}")) {
            return null;
        }
        try {
            return LockNames.decode(key.substring(prefix.length() + 1, key.length() - 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static LockKeys of(String namespace, String name) {
        String tag = "{" + LockNames.encode(name) + "}";
        return new LockKeys(name, namespace + ":lock:" + tag, namespace + ":fence:" + tag,
                namespace + ":released:" + tag, namespace + ":rlock:" + tag);
    }
}
