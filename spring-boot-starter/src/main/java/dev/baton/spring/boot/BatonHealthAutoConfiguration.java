package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** The {@code baton} health indicator of the lock backend, with Spring Boot's health support. */
@AutoConfiguration(after = BatonAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(LockClient.class)
@ConditionalOnEnabledHealthIndicator("baton")
public class BatonHealthAutoConfiguration {

    /** The health of the {@link LockClient} bean's backend, as component {@code baton}. */
    @Bean
    @ConditionalOnMissingBean(name = "batonHealthIndicator")
    public HealthIndicator batonHealthIndicator(LockClient client) {
        return new LockClientHealthIndicator(client);
    }
}
