/**
 * Baton for Spring Boot: auto-configuration from {@code baton.*} properties
 * ({@link dev.baton.spring.boot.BatonAutoConfiguration}), declarative locks
 * ({@link dev.baton.spring.boot.WithLock}, {@link dev.baton.spring.boot.Leases}), the {@code baton}
 * health indicator, the {@code /actuator/baton} endpoint and lock metrics. Transactions are in
 * {@code dev.baton.spring.boot.txn}.
 */
package dev.baton.spring.boot;
