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

    // ---------------------------------------------------------------- recipes
    //
    // Every recipe script takes the same ARGV, so one call site serves them all: ARGV[1] lease id,
    // ARGV[2] lease ms, ARGV[3] fence TTL ms, ARGV[4] release channel, ARGV[5] the recipe's own
    // argument (permits, payload; empty when none). Acquire scripts answer {1, token} when granted,
    // {0, ms until worth retrying} when not, {-1, detail} when refused; the others {1} or {0}.
    // Holders whose lease can expire while others stay are zset members scored with their expiry
    // in server ms (TIME), purged before each decision: a crashed holder's entry goes by itself.

    /** Server time in ms as {@code nowms}; write-safe after TIME on Redis 3.2 to 4. */
    private static final String NOW = ""
            + "if redis.replicate_commands then redis.replicate_commands() end "
            + "local t = redis.call('time') "
            + "local nowms = t[1] * 1000 + math.floor(t[2] / 1000) ";

    /** NEXT_TOKEN without its own TIME call: {@code t} from {@link #NOW}. KEYS[fence] is the argument. */
    private static String nextToken(String fenceKey) {
        return "local token = math.max(tonumber(redis.call('get', " + fenceKey + ") or '0') + 1, t[1] * 1000000 + t[2]) "
                + "redis.call('set', " + fenceKey + ", string.format('%.0f', token), 'px', ARGV[3]) ";
    }

    /**
     * Semaphore. KEYS: holders zset (lease id by expiry), fence, permits. ARGV[5]: permits. Refused
     * with {-1, their permits} if live holders use another count (with no holder left, a new count
     * may be set). A retry that finds its id among the holders is granted again.
     */
    public static final Script PERMIT_ACQUIRE = new Script(NOW
            + "redis.call('zremrangebyscore', KEYS[1], '-inf', nowms) "
            + "local count = redis.call('zcard', KEYS[1]) "
            + "local declared = redis.call('get', KEYS[3]) "
            + "if count > 0 and declared and declared ~= ARGV[5] then return {-1, tonumber(declared)} end "
            + "if not redis.call('zscore', KEYS[1], ARGV[1]) and count >= tonumber(ARGV[5]) then "
            + "  local first = redis.call('zrange', KEYS[1], 0, 0, 'withscores') "
            + "  return {0, math.min(tonumber(first[2]) - nowms, math.floor(ARGV[2] / 3))} "
            + "end "
            + nextToken("KEYS[2]")
            + "redis.call('zadd', KEYS[1], nowms + ARGV[2], ARGV[1]) "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "redis.call('set', KEYS[3], ARGV[5], 'px', ARGV[2]) "
            + "return {1, token}");

    /** Renews a zset member; {@code more} runs after a successful renewal (KEYS[1] zset, KEYS[2] fence). */
    private static String memberRenew(String more) {
        return NOW
                + "local score = redis.call('zscore', KEYS[1], ARGV[1]) "
                + "if not score or tonumber(score) <= nowms then redis.call('zrem', KEYS[1], ARGV[1]) return {0} end "
                + "redis.call('zadd', KEYS[1], nowms + ARGV[2], ARGV[1]) "
                + "redis.call('pexpire', KEYS[1], ARGV[2]) "
                + "redis.call('pexpire', KEYS[2], ARGV[3]) "
                + more
                + "return {1}";
    }

    /** Renews a permit, and the permits key with it (it must live as long as any holder). KEYS as for acquire. */
    public static final Script PERMIT_RENEW = new Script(memberRenew("redis.call('pexpire', KEYS[3], ARGV[2]) "));

    /** Renews a read lease. KEYS as for {@link #READ_ACQUIRE}. */
    public static final Script READ_RENEW = new Script(memberRenew(""));

    /** Releases a zset member (permit or reader) and announces it. KEYS[1]: holders zset. */
    public static final Script MEMBER_RELEASE = new Script(""
            + "if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return {0} end "
            + "redis.call('publish', ARGV[4], 'released') "
            + "return {1}");

    /**
     * Read lock. KEYS: readers zset (lease id by expiry), fence, writer (string: lease id), waiting
     * writers zset (id by expiry of the intent). Refused while a writer holds or waits: that is the
     * writer preference. A retry that finds its id among the readers is granted again.
     */
    public static final Script READ_ACQUIRE = new Script(NOW
            + "redis.call('zremrangebyscore', KEYS[1], '-inf', nowms) "
            + "redis.call('zremrangebyscore', KEYS[4], '-inf', nowms) "
            + "if not redis.call('zscore', KEYS[1], ARGV[1]) then "
            + "  if redis.call('exists', KEYS[3]) == 1 then "
            + "    return {0, math.min(redis.call('pttl', KEYS[3]), math.floor(ARGV[2] / 3))} end "
            + "  if redis.call('zcard', KEYS[4]) > 0 then return {0, math.floor(ARGV[2] / 3)} end "
            + "end "
            + nextToken("KEYS[2]")
            + "redis.call('zadd', KEYS[1], nowms + ARGV[2], ARGV[1]) "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "return {1, token}");

    /**
     * Write lock. KEYS as for {@link #READ_ACQUIRE}. Granted when no writer and no reader holds;
     * otherwise the writer's intent is added (or refreshed) in the waiting zset, with the lease time
     * as its life, which stops new readers until the writer got the lock, withdrew
     * ({@link #WRITE_ABANDON}) or stopped retrying. The retry hint is at most a third of the lease,
     * so a waiting writer refreshes its intent well before it lapses.
     */
    public static final Script WRITE_ACQUIRE = new Script(NOW
            + "redis.call('zremrangebyscore', KEYS[1], '-inf', nowms) "
            + "redis.call('zremrangebyscore', KEYS[4], '-inf', nowms) "
            + "local writer = redis.call('get', KEYS[3]) "
            + "if writer ~= ARGV[1] and (writer or redis.call('zcard', KEYS[1]) > 0) then "
            + "  redis.call('zadd', KEYS[4], nowms + ARGV[2], ARGV[1]) "
            + "  redis.call('pexpire', KEYS[4], ARGV[2]) "
            + "  local wait = math.floor(ARGV[2] / 3) "
            + "  if writer then wait = math.min(wait, redis.call('pttl', KEYS[3])) else "
            + "    local first = redis.call('zrange', KEYS[1], 0, 0, 'withscores') "
            + "    wait = math.min(wait, tonumber(first[2]) - nowms) end "
            + "  return {0, wait} "
            + "end "
            + "redis.call('zrem', KEYS[4], ARGV[1]) "
            + nextToken("KEYS[2]")
            + "redis.call('set', KEYS[3], ARGV[1], 'px', ARGV[2]) "
            + "return {1, token}");

    /** Write lock renewal. KEYS as for {@link #READ_ACQUIRE}. */
    public static final Script WRITE_RENEW = new Script(""
            + "if redis.call('get', KEYS[3]) ~= ARGV[1] then return {0} end "
            + "redis.call('pexpire', KEYS[3], ARGV[2]) "
            + "redis.call('pexpire', KEYS[2], ARGV[3]) "
            + "return {1}");

    /** Write lock release. KEYS as for {@link #READ_ACQUIRE}. */
    public static final Script WRITE_RELEASE = new Script(""
            + "if redis.call('get', KEYS[3]) ~= ARGV[1] then return {0} end "
            + "redis.call('del', KEYS[3]) "
            + "redis.call('publish', ARGV[4], 'released') "
            + "return {1}");

    /**
     * A write request that ends without the lock: withdraws its intent (readers it held back are
     * told), and frees the lock if a grant's reply was lost. KEYS as for {@link #READ_ACQUIRE}.
     */
    public static final Script WRITE_ABANDON = new Script(""
            + "local withdrawn = redis.call('zrem', KEYS[4], ARGV[1]) "
            + "local held = redis.call('get', KEYS[3]) == ARGV[1] "
            + "if held then redis.call('del', KEYS[3]) end "
            + "if held or withdrawn == 1 then redis.call('publish', ARGV[4], 'released') end "
            + "return {1}");

    /**
     * Election candidate. KEYS: leader hash (id, payload, term, since ms), fence. ARGV[5]: payload.
     * Winning publishes on the channel too, for observers.
     */
    public static final Script ELECT_ACQUIRE = new Script(NOW
            + "local holder = redis.call('hget', KEYS[1], 'id') "
            + "if holder and holder ~= ARGV[1] then return {0, redis.call('pttl', KEYS[1])} end "
            + nextToken("KEYS[2]")
            + "redis.call('del', KEYS[1]) "
            + "redis.call('hset', KEYS[1], 'id', ARGV[1], 'payload', ARGV[5], 'term', string.format('%.0f', token), "
            + "'since', string.format('%.0f', nowms)) "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "redis.call('publish', ARGV[4], 'elected') "
            + "return {1, token}");

    /** Election renewal. KEYS: leader hash, fence. */
    public static final Script ELECT_RENEW = new Script(""
            + "if redis.call('hget', KEYS[1], 'id') ~= ARGV[1] then return {0} end "
            + "redis.call('pexpire', KEYS[1], ARGV[2]) "
            + "redis.call('pexpire', KEYS[2], ARGV[3]) "
            + "return {1}");

    /** Resignation. KEYS: leader hash. */
    public static final Script ELECT_RELEASE = new Script(""
            + "if redis.call('hget', KEYS[1], 'id') ~= ARGV[1] then return {0} end "
            + "redis.call('del', KEYS[1]) "
            + "redis.call('publish', ARGV[4], 'released') "
            + "return {1}");

    /** KEYS: leader hash. Returns {payload, term, since ms, pttl}, or nil when nobody leads. Reads only. */
    public static final Script ELECT_INSPECT = new Script(""
            + "local v = redis.call('hmget', KEYS[1], 'payload', 'term', 'since') "
            + "if not v[2] then return false end "
            + "return {v[1] or '', v[2], v[3] or '0', redis.call('pttl', KEYS[1])}");

    /** Read-write lock, read only. KEYS as for {@link #READ_ACQUIRE}. Returns {readers, writer 0|1, waiting writers, last token}. */
    public static final Script RW_INSPECT = new Script(""
            + "local t = redis.call('time') "
            + "local now = '(' .. (t[1] * 1000 + math.floor(t[2] / 1000)) "
            + "return {redis.call('zcount', KEYS[1], now, '+inf'), redis.call('exists', KEYS[3]), "
            + "redis.call('zcount', KEYS[4], now, '+inf'), redis.call('get', KEYS[2]) or '0'}");

    /** Semaphore, read only. KEYS as for {@link #PERMIT_ACQUIRE}. Returns {permits in use, permits, last token}. */
    public static final Script PERMIT_INSPECT = new Script(""
            + "local t = redis.call('time') "
            + "local now = '(' .. (t[1] * 1000 + math.floor(t[2] / 1000)) "
            + "return {redis.call('zcount', KEYS[1], now, '+inf'), redis.call('get', KEYS[3]) or '0', "
            + "redis.call('get', KEYS[2]) or '0'}");

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
