package dev.baton.lock.redis;

import static dev.baton.lock.redis.RedisConfigKeys.TLS_ENABLED;
import static dev.baton.lock.redis.RedisConfigKeys.TLS_HOSTNAME_VERIFICATION;
import static dev.baton.lock.redis.RedisConfigKeys.TLS_KEYSTORE;
import static dev.baton.lock.redis.RedisConfigKeys.TLS_KEYSTORE_PASSWORD;
import static dev.baton.lock.redis.RedisConfigKeys.TLS_TRUSTSTORE;
import static dev.baton.lock.redis.RedisConfigKeys.TLS_TRUSTSTORE_PASSWORD;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;

/** TLS settings of a Redis connection. Immutable. */
record TlsSettings(boolean enabled, String truststore, String truststorePassword, String keystore,
        String keystorePassword, boolean hostnameVerification) {

    static TlsSettings from(BatonConfig config, boolean tlsScheme, boolean standalone) {
        boolean flag = config.get(TLS_ENABLED);
        if (standalone && config.isSet(TLS_ENABLED) && flag != tlsScheme) {
            throw new IllegalArgumentException("configuration key " + TLS_ENABLED.name() + " is " + flag + " but "
                    + RedisConfigKeys.URI.name() + " uses the " + (tlsScheme ? "rediss" : "redis")
                    + " scheme; rediss:// means TLS, redis:// plain text");
        }
        boolean enabled = tlsScheme || flag;
        if (!enabled) {
            for (ConfigKey<?> key : List.of(TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
                    TLS_HOSTNAME_VERIFICATION)) {
                if (config.isSet(key)) {
                    throw new IllegalArgumentException("configuration key " + key.name() + " is set but TLS is off;"
                            + " use a rediss:// URI or set " + TLS_ENABLED.name() + "=true");
                }
            }
        }
        requirePair(config, TLS_TRUSTSTORE_PASSWORD, TLS_TRUSTSTORE);
        requirePair(config, TLS_KEYSTORE_PASSWORD, TLS_KEYSTORE);
        requireLoadable(config, TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD);
        requireLoadable(config, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD);
        return new TlsSettings(enabled, config.get(TLS_TRUSTSTORE), config.get(TLS_TRUSTSTORE_PASSWORD),
                config.get(TLS_KEYSTORE), config.get(TLS_KEYSTORE_PASSWORD), config.get(TLS_HOSTNAME_VERIFICATION));
    }

    private static void load(String path, String password, ConfigKey<?> key) {
        try {
            KeyStore.getInstance(new File(path), chars(password));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("configuration key " + key.name() + " names a store that cannot be"
                    + " loaded (" + path + "): " + e.getMessage() + "; check the file and its password", e);
        }
    }

    private static void requirePair(BatonConfig config, ConfigKey<?> password, ConfigKey<?> store) {
        if (config.isSet(password) && !config.isSet(store)) {
            throw new IllegalArgumentException("configuration key " + password.name() + " is set but " + store.name()
                    + " is not");
        }
    }

    private static void requireLoadable(BatonConfig config, ConfigKey<String> key, ConfigKey<String> password) {
        String path = config.get(key);
        if (path == null) {
            return;
        }
        if (!Files.isReadable(Path.of(path))) {
            throw new IllegalArgumentException("configuration key " + key.name() + " names a file that cannot be read: "
                    + Path.of(path).toAbsolutePath());
        }
        load(path, config.get(password), key);
    }

    /** The password as the key stores want it: empty, never null. */
    static char[] chars(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }
}
