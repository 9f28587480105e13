package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Baton's core auto-configuration: the {@code baton.*} settings (checked at start-up whatever else
 * is configured), a {@link LockClient} when {@code baton.backend} is set, reporting to every
 * {@link LockListener} bean (the metrics one among them), and {@link WithLock} support.
 */
@AutoConfiguration
public class BatonAutoConfiguration {

    /** The {@code baton.*} settings, checked: an unknown or malformed key fails start-up. */
    @Bean
    @ConditionalOnMissingBean
    public BatonSettings batonSettings(ConfigurableEnvironment environment) {
        return BatonSettings.from(environment);
    }

    /** The lock client of the backend named by {@code baton.backend}; closed on shutdown. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(LockClient.class)
    @ConditionalOnProperty(prefix = "baton", name = "backend")
    public LockClient batonLockClient(BatonSettings settings, ObjectProvider<LockListener> listeners) {
        return LockClients.open(settings.asMap(), CompositeLockListener.of(listeners.orderedStream().toList()));
    }

    /** Puts {@link WithLock} methods behind a proxy and reports misuse at start-up. */
    @Bean
    static WithLockPostProcessor batonWithLockPostProcessor() {
        return new WithLockPostProcessor();
    }
}
