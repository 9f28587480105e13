package dev.baton.jta;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * The Spring wiring of the tests, as an application would write it: Spring's own
 * {@link JtaTransactionManager} on Baton's {@code UserTransaction} and {@code TransactionManager},
 * and the bank on Baton's data sources. The {@link BatonJta} bean (and a
 * {@link TransferService.Listener}) come from the test.
 */
@Configuration(proxyBeanMethods = false)
@EnableTransactionManagement
public class BankConfig {

    @Bean
    public JtaTransactionManager transactionManager(BatonJta jta) {
        return new JtaTransactionManager(jta.userTransaction(), jta.transactionManager());
    }

    @Bean
    public TransferService transferService(BatonJta jta, TransferService.Listener listener) {
        return new TransferService(jta.dataSource("bank_a"), jta.dataSource("bank_b"), jta.synchronizationRegistry(),
                listener);
    }

    /** A context on {@code jta}, which the caller keeps (the context does not close it). */
    static org.springframework.context.annotation.AnnotationConfigApplicationContext context(BatonJta jta,
            TransferService.Listener listener) {
        var context = new org.springframework.context.annotation.AnnotationConfigApplicationContext();
        context.getBeanFactory().registerSingleton("batonJta", jta);
        context.getBeanFactory().registerSingleton("transferListener", listener);
        context.register(BankConfig.class);
        context.refresh();
        return context;
    }
}
