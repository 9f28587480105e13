package dev.baton.lock.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The Lua scripts. Each lock operation is one script, hence one round trip, and atomic on the
 * server. Every script names its keys in KEYS, and all keys of a lock share a hash slot.
 *
 * <p>Fencing tokens: {@code max(last + 1, server TIME in microseconds)}. The stored last token makes
 * them strictly increasing while the fence key lives; the clock term keeps them increasing when it
 * is gone (Redis restarted without persistence, failed over to a replica that never saw it, or the
 * key expired after {@link #FENCE_TTL} of disuse), provided the server clock never steps back past
 * the newest token. Microseconds since 1970 stay below 2^53, so Lua's doubles hold them exactly.
 * {@code redis.replicate_commands()} lets a script write after reading TIME on Redis 3.2 to 4; from 5
 * on it is the default, the call does nothing, and the scripts skip it where it no longer exists.
 *
 * <p>Not part of Baton's API (its package is not exported): public only so that the benchmark's
 * floor runs exactly the scripts the backend runs.
 */
public final class Scripts {

    /** How long a lock's fencing state outlives its last acquisition or renewal. */
    public static final Duration FENCE_TTL = Duration.ofDays(7);

    /** Sets {@code token} and KEYS[2] to the next fencing token; ARGV[3] is the fence key's TTL. */
    private static final String NEXT_TOKEN = ""
            + "if redis.replicate_commands then redis.replicate_commands() end "
            + "local now = redis.call('time') "
            + "local token = math.max(tonumber(redis.call('get', KEYS[2]) or '0') + 1, now[1] * 1000000 + now[2]) "
            + "redis.call('set', KEYS[2], string.format('%.0f', token), 'px', ARGV[3]) ";

    /**
     * KEYS: lock, fence. ARGV: lease id, lease ms, fence TTL ms. Returns {1, token} when the lease is
     * ours (also when a retry finds it already ours), else {0, PTTL of the holder's key}.
     */
    public static final Script ACQUIRE = new Script(""
            + "local holder = redis.call('get', KEYS[1]) "
            + "if holder and holder ~= ARGV[1] then return {0, redis.call('pttl', KEYS[1])} end "
            + NEXT_TOKEN
            + "redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2]) "
            + "return {1, token}");

    /** KEYS: lock, fence. ARGV: lease id, lease ms, fence TTL ms. Returns 1 if extended, 0 if not ours. */
    public static final Script RENEW = new Script(""
            + "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "redis.call('pexpire', KEYS[2], ARGV[3]) "
            + "return 1");

    /** KEYS: lock. ARGV: lease id, release channel. Deletes the key only if it is ours, and tells waiters. */
    public static final Script RELEASE = new Script(""
            + "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end "
            + "redis.call('del', KEYS[1]) "
            + "redis.call('publish', ARGV[2], 'released') "
            + "return 1");

    /**
     * Redisson adapter. KEYS: Redisson lock hash, fence. ARGV: owner field, lease ms, fence TTL ms.
     * If the lock is free, takes it for the owner as Redisson's own lock script would (a hash from
     * owner field to hold count, with a TTL) and returns a new token; else returns 0.
     */
    public static final Script REDISSON_ACQUIRE = new Script(""
            + "if redis.call('exists', KEYS[1]) == 1 then return 0 end "
            + "redis.call('hset', KEYS[1], ARGV[1], 1) "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + NEXT_TOKEN
            + "return token");

    /**
     * Redisson adapter. KEYS: Redisson lock hash, fence. ARGV: owner field, lease ms, fence TTL ms.
     * If the owner still holds the lock, restarts its TTL and returns a new token; else returns 0.
     */
    public static final Script REDISSON_FENCE = new Script(""
            + "if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then return 0 end "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + NEXT_TOKEN
            + "return token");

    /** Redisson adapter. KEYS: Redisson lock hash, fence. ARGV: owner field, lease ms, fence TTL ms. */
    public static final Script REDISSON_RENEW = new Script(""
            + "if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then return 0 end "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "redis.call('pexpire', KEYS[2], ARGV[3]) "
            + "return 1");

    /** KEYS: lock, fence. Returns {lease id, last token}, or nil if the lock is free. Reads only. */
    public static final Script INSPECT = new Script(""
            + "local holder = redis.call('get', KEYS[1]) "
            + "if not holder then return false end "
            + "return {holder, redis.call('get', KEYS[2]) or '0'}");

    /** Redisson adapter. KEYS: Redisson lock hash, fence. Returns {owner field, last token}, or nil. */
    public static final Script REDISSON_INSPECT = new Script(""
            + "local owners = redis.call('hkeys', KEYS[1]) "
            + "if #owners == 0 then return false end "
            + "return {owners[1], redis.call('get', KEYS[2]) or '0'}");

    private Scripts() {
    }

    /** A script's text and its SHA-1, for EVALSHA. */
    public record Script(String text, String sha) {

        /** A script whose SHA-1 is computed from {@code text}. */
        public Script(String text) {
            this(text, sha1(text));
        }

        private static String sha1(String text) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JVM has no SHA-1", e);
            }
        }
    }
}
