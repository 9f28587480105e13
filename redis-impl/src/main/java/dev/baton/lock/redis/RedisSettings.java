package dev.baton.lock.redis;

import static dev.baton.lock.redis.RedisConfigKeys.CLUSTER_NODES;
import static dev.baton.lock.redis.RedisConfigKeys.PASSWORD;
import static dev.baton.lock.redis.RedisConfigKeys.SENTINEL_MASTER;
import static dev.baton.lock.redis.RedisConfigKeys.SENTINEL_NODES;
import static dev.baton.lock.redis.RedisConfigKeys.SENTINEL_PASSWORD;
import static dev.baton.lock.redis.RedisConfigKeys.URI;
import static dev.baton.lock.redis.RedisConfigKeys.USER;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything needed to connect, read from a validated {@link BatonConfig}: which deployment, where,
 * with which credentials. Both Redis backends build their client from it.
 */
record RedisSettings(Mode mode, List<Endpoint> nodes, int database, String user, String password,
        String sentinelMaster, String sentinelPassword, TlsSettings tls, Duration connectTimeout, Duration timeout,
        RedisLockOptions options) {

    /** The deployment. */
    enum Mode { STANDALONE, SENTINEL, CLUSTER }

    /**
     * Reads and cross-checks the {@code baton.redis.*} keys.
     *
     * @throws IllegalArgumentException naming the keys when they are missing, contradict each other,
     *     or a value cannot be used
     */
    static RedisSettings from(BatonConfig config) {
        Mode mode = mode(config);
        String user = config.get(USER);
        String password = config.get(PASSWORD);
        int database = 0;
        boolean tlsScheme = false;
        List<Endpoint> nodes;
        if (mode == Mode.STANDALONE) {
            ParsedUri uri = ParsedUri.parse(config.get(URI));
            if (uri.hasCredentials() && (user != null || password != null)) {
                throw new IllegalArgumentException("configuration keys " + URI.name() + " and " + USER.name() + "/"
                        + PASSWORD.name() + " both give credentials; give them once");
            }
            user = uri.hasCredentials() ? uri.user() : user;
            password = uri.hasCredentials() ? uri.password() : password;
            database = uri.database();
            tlsScheme = uri.tls();
            nodes = List.of(uri.endpoint());
        } else if (mode == Mode.SENTINEL) {
            nodes = Endpoint.parseList(config.get(SENTINEL_NODES), SENTINEL_NODES);
        } else {
            nodes = Endpoint.parseList(config.get(CLUSTER_NODES), CLUSTER_NODES);
        }
        if (user != null && password == null) {
            throw new IllegalArgumentException("configuration key " + USER.name() + " is set but " + PASSWORD.name()
                    + " is not: an ACL user needs its password");
        }
        if (config.isSet(SENTINEL_PASSWORD) && mode != Mode.SENTINEL) {
            throw new IllegalArgumentException("configuration key " + SENTINEL_PASSWORD.name()
                    + " is set, but no Sentinel deployment is configured (" + SENTINEL_MASTER.name() + ")");
        }
        return new RedisSettings(mode, nodes, database, user, password, config.get(SENTINEL_MASTER),
                config.get(SENTINEL_PASSWORD), TlsSettings.from(config, tlsScheme, mode == Mode.STANDALONE),
                config.get(RedisConfigKeys.CONNECT_TIMEOUT), config.get(RedisConfigKeys.TIMEOUT), options(config));
    }

    /** Where this connects, for messages: never shows a password. */
    String describe() {
        switch (mode) {
            case STANDALONE: return (tls.enabled() ? "rediss://" : "redis://") + nodes.get(0) + "/" + database;
            case SENTINEL: return "Sentinel master '" + sentinelMaster + "' via " + joined();
            default: return "Redis Cluster via " + joined();
        }
    }

    int connectTimeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }

    int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    private String joined() {
        List<String> parts = new ArrayList<>();
        nodes.forEach(n -> parts.add(n.toString()));
        return String.join(",", parts);
    }

    private static Mode mode(BatonConfig config) {
        boolean standalone = config.isSet(URI);
        boolean sentinel = config.isSet(SENTINEL_MASTER) || config.isSet(SENTINEL_NODES);
        boolean cluster = config.isSet(CLUSTER_NODES);
        List<String> chosen = new ArrayList<>();
        if (standalone) {
            chosen.add(URI.name());
        }
        if (sentinel) {
            chosen.add(config.isSet(SENTINEL_MASTER) ? SENTINEL_MASTER.name() : SENTINEL_NODES.name());
        }
        if (cluster) {
            chosen.add(CLUSTER_NODES.name());
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no Redis deployment is configured: set " + URI.name()
                    + " (standalone), " + SENTINEL_MASTER.name() + " with " + SENTINEL_NODES.name()
                    + " (Sentinel), or " + CLUSTER_NODES.name() + " (Cluster)");
        }
        if (chosen.size() > 1) {
            throw new IllegalArgumentException("configuration keys " + String.join(" and ", chosen)
                    + " choose different Redis deployments; set only one of them");
        }
        if (sentinel && !(config.isSet(SENTINEL_MASTER) && config.isSet(SENTINEL_NODES))) {
            ConfigKey<?> missing = config.isSet(SENTINEL_MASTER) ? SENTINEL_NODES : SENTINEL_MASTER;
            throw new IllegalArgumentException("a Sentinel deployment needs both " + SENTINEL_MASTER.name() + " and "
                    + SENTINEL_NODES.name() + "; " + missing.name() + " is missing");
        }
        return standalone ? Mode.STANDALONE : sentinel ? Mode.SENTINEL : Mode.CLUSTER;
    }

    private static RedisLockOptions options(BatonConfig config) {
        String namespace = config.get(RedisConfigKeys.NAMESPACE);
        Duration leaseTime = config.get(BatonConfig.LEASE_TIME);
        if (leaseTime.compareTo(RedisLockOptions.MIN_LEASE_TIME) < 0) {
            throw new IllegalArgumentException("configuration key " + BatonConfig.LEASE_TIME.name() + " is "
                    + leaseTime.toMillis() + " ms; Redis leases need at least "
                    + RedisLockOptions.MIN_LEASE_TIME.toMillis() + " ms");
        }
        try {
            return new RedisLockOptions(namespace, leaseTime);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("configuration key " + RedisConfigKeys.NAMESPACE.name() + ": "
                    + e.getMessage(), e);
        }
    }

    /** A parsed {@code baton.redis.uri}. */
    record ParsedUri(boolean tls, Endpoint endpoint, int database, String user, String password) {

        boolean hasCredentials() {
            return password != null || user != null;
        }

        static ParsedUri parse(String raw) {
            java.net.URI uri;
            try {
                uri = new java.net.URI(raw);
            } catch (URISyntaxException e) {
                throw malformed(raw, "it is not a URI (" + e.getReason() + ")");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw malformed(raw, "the scheme must be redis or rediss");
            }
            if (uri.getHost() == null) {
                throw malformed(raw, "it names no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw malformed(raw, "it must have no query or fragment");
            }
            int port = uri.getPort() == -1 ? 6379 : uri.getPort();
            if (port < 1 || port > 65535) {
                throw malformed(raw, "the port must be from 1 to 65535");
            }
            String user = null;
            String password = null;
            String info = uri.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                user = decode(colon < 0 ? info : info.substring(0, colon));
                password = colon < 0 ? null : decode(info.substring(colon + 1));
                user = user.isEmpty() ? null : user;
                password = password == null || password.isEmpty() ? null : password;
            }
            return new ParsedUri(scheme.equals("rediss"), new Endpoint(uri.getHost(), port),
                    database(raw, uri.getPath()), user, password);
        }

        private static int database(String raw, String path) {
            if (path == null || path.isEmpty() || path.equals("/")) {
                return 0;
            }
            try {
                int database = Integer.parseInt(path.substring(1));
                if (database >= 0) {
                    return database;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw malformed(raw, "the path must be empty or /<database number>");
        }

        private static String decode(String text) {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        }

        private static IllegalArgumentException malformed(String raw, String why) {
            return new IllegalArgumentException("configuration key " + URI.name() + " has a malformed value '"
                    + mask(raw) + "': " + why + "; expected redis://[[user]:password@]host[:port][/database]"
                    + " or rediss://...");
        }

        /** The URI with anything between "//" and "@" hidden, so passwords never reach a message. */
        static String mask(String raw) {
            int start = raw.indexOf("//");
            int at = raw.lastIndexOf('@');
            return start >= 0 && at > start ? raw.substring(0, start + 2) + "****" + raw.substring(at) : raw;
        }
    }
}
