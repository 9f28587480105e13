package dev.baton.spring.boot.misuse;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LockClient;
import dev.baton.spring.boot.WithLock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans that use {@code @WithLock} wrongly, each in a configuration of its own. */
public final class Misuses {

    private Misuses() {
    }

    /** A lock client that is never called: start-up fails before any lock is taken. */
    public static final class UnusedLockClient implements LockClient {
        @Override
        public DistributedLock lock(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String backend() {
            return "none";
        }

        @Override
        public void close() {
        }
    }

    public static class BadExpression {
        @WithLock(name = "orders/#{#order.}")
        public void ship(Object order) {
        }
    }

    public static class UnknownVariable {
        @WithLock(name = "orders/#{#ordr.id}")
        public void ship(Object order) {
        }
    }

    public static class PrivateMethod {
        @WithLock(name = "orders")
        private void ship() {
        }

        public void callShip() {
            ship();
        }
    }

    public static class StaticMethod {
        @WithLock(name = "orders")
        public static void ship() {
        }
    }

    public static class FinalMethod {
        @WithLock(name = "orders")
        public final void ship() {
        }
    }

    public static class BadWait {
        @WithLock(name = "orders", maxWait = "soon")
        public void ship() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class WithLockClient {
        @Bean
        LockClient lockClient() {
            return new UnusedLockClient();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class BadExpressionBean {
        @Bean
        BadExpression badExpression() {
            return new BadExpression();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class UnknownVariableBean {
        @Bean
        UnknownVariable unknownVariable() {
            return new UnknownVariable();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class PrivateMethodBean {
        @Bean
        PrivateMethod privateMethod() {
            return new PrivateMethod();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class StaticMethodBean {
        @Bean
        StaticMethod staticMethod() {
            return new StaticMethod();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class FinalMethodBean {
        @Bean
        FinalMethod finalMethod() {
            return new FinalMethod();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class BadWaitBean {
        @Bean
        BadWait badWait() {
            return new BadWait();
        }
    }
}
