package dev.baton.spring.boot;

import dev.baton.micrometer.LockNameTag;
import dev.baton.micrometer.MicrometerLockListener;
import dev.baton.micrometer.MicrometerTxnListener;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.participant.ParticipantHost;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lock meters ({@link MicrometerLockListener}), and transaction meters when baton-txn is there, when Micrometer and {@code baton-micrometer} are on
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

    /**
     * Transaction meters ({@link MicrometerTxnListener}) when baton-txn is on the class path:
     * the coordinator and participant host beans report to it, and its gauges are bound to them.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(TransactionCoordinator.class)
    static class Transactions {

        /** The transaction meters, reported to by the coordinator and host beans. */
        @Bean
        @ConditionalOnMissingBean
        MicrometerTxnListener batonTxnMetrics(MeterRegistry registry) {
            return new MicrometerTxnListener(registry);
        }

        /** The in-doubt and open-transaction gauges of the coordinator and host beans there are. */
        @Bean
        MeterBinder batonTxnGauges(MicrometerTxnListener metrics, ObjectProvider<TransactionCoordinator> coordinator,
                ObjectProvider<ParticipantHost> host) {
            return registry -> {
                coordinator.ifAvailable(metrics::bindTo);
                host.ifAvailable(metrics::bindTo);
            };
        }
    }
}
