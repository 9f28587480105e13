package dev.baton.spring.boot.txn;

import dev.baton.spring.boot.BatonAutoConfiguration;
import dev.baton.spring.boot.BatonEndpointContributor;
import dev.baton.spring.boot.BatonSettings;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TxnConfig;
import dev.baton.txn.TxnListener;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The 2PC side, when {@code baton-txn} is on the class path and {@code baton.zookeeper.connect} is
 * set: a {@link TransactionCoordinator}, a {@link ParticipantHost} hosting every
 * {@link Participant} bean (named by {@link BatonParticipant} or its bean name), a
 * {@code transactions} section of {@code /actuator/baton} and the {@code batonTransactions} health
 * indicator. Each has its own ZooKeeper session, apart from the lock client's.
 *
 * <p>Everything here uses only {@code TransactionCoordinator.open(Map)},
 * {@code ParticipantHost.builder(Map)}, {@code TxnConfig.knownKeys()}, {@code TransactionAdmin} and
 * {@code Participant}: the transaction API is being reworked, and this class is the one place to
 * re-point when its packages move.
 */
@AutoConfiguration(after = BatonAutoConfiguration.class)
@ConditionalOnClass(TransactionCoordinator.class)
@ConditionalOnProperty(prefix = "baton.zookeeper", name = "connect")
public class BatonTransactionAutoConfiguration {

    /** A coordinator with its own ZooKeeper session; closed on shutdown. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public TransactionCoordinator batonTransactionCoordinator(BatonSettings settings,
            ObjectProvider<TxnListener> listener) {
        return TransactionCoordinator.open(settings.only(TxnConfig.knownKeys()),
                listener.getIfAvailable(() -> TxnListener.NONE));
    }

    /**
     * A host for every {@link Participant} bean, started once they exist and closed on shutdown
     * before them (it depends on them), so no branch is left half applied by a closing resource.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(Participant.class)
    public ParticipantHost batonParticipantHost(BatonSettings settings, ConfigurableListableBeanFactory beans,
            ObjectProvider<TxnListener> listener) {
        ParticipantHost.Builder builder = ParticipantHost.builder(settings.only(TxnConfig.knownKeys()))
                .listener(listener.getIfAvailable(() -> TxnListener.NONE));
        for (String beanName : beans.getBeanNamesForType(Participant.class)) {
            BatonParticipant named = beans.findAnnotationOnBean(beanName, BatonParticipant.class);
            builder.participant(named != null ? named.value() : beanName, beans.getBean(beanName, Participant.class));
        }
        return builder.start();
    }

    /** The {@code transactions} section of {@code /actuator/baton}: what {@code baton txn list} shows. */
    @Bean
    public BatonEndpointContributor batonTransactionsSection(TransactionCoordinator coordinator) {
        return new TransactionsSection(coordinator);
    }

    /** Health of the coordinator's ZooKeeper session. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("baton")
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "batonTransactionsHealthIndicator")
        HealthIndicator batonTransactionsHealthIndicator(TransactionCoordinator coordinator) {
            return () -> coordinator.curator().getZookeeperClient().isConnected()
                    ? org.springframework.boot.health.contributor.Health.up().build()
                    : org.springframework.boot.health.contributor.Health.down()
                            .withDetail("error", "the coordinator is not connected to ZooKeeper").build();
        }
    }
}
