package dev.baton.spring.boot;

import dev.baton.micrometer.LockNameTag;
import dev.baton.micrometer.MicrometerLockListener;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Lock meters ({@link MicrometerLockListener}) when Micrometer and {@code baton-micrometer} are on
 * the class path and the application has a {@link MeterRegistry}. Lock names become a tag only as
 * {@code baton.metrics.lock-name-tag} says ({@code none} by default).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, MicrometerLockListener.class})
@ConditionalOnBean(MeterRegistry.class)
public class BatonMetricsAutoConfiguration {

    /** The lock meters, reported to by the {@link dev.baton.lock.LockClient} bean. */
    @Bean
    @ConditionalOnMissingBean
    public MicrometerLockListener batonLockMetrics(MeterRegistry registry, BatonSettings settings) {
        String tag = settings.asMap().get(StarterConfigKeys.LOCK_NAME_TAG.name());
        LockNameTag mode = LockNameTag.valueOf(tag == null ? StarterConfigKeys.LOCK_NAME_TAG.defaultValue()
                : StarterConfigKeys.LOCK_NAME_TAG.parse(tag));
        return new MicrometerLockListener(registry, mode);
    }
}
