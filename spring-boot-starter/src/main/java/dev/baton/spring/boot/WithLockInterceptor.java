package dev.baton.spring.boot;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;

/** Acquires, runs and releases around every {@link WithLock} method. Thread-safe. */
final class WithLockInterceptor implements MethodInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(WithLockInterceptor.class);

    private final Supplier<LockClient> locks;
    private final Map<Method, WithLockMethod> methods = new ConcurrentHashMap<>();

    WithLockInterceptor(Supplier<LockClient> locks) {
        this.locks = locks;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Method method = target == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), AopUtils.getTargetClass(target));
        WithLockMethod spec = methods.computeIfAbsent(method, WithLockMethod::of);
        Object[] arguments = invocation.getArguments();
        String name = spec.lockName(target, arguments);
        Lease lease = acquire(name, spec.waitTime());
        try {
            if (spec.leaseParameter() >= 0) {
                arguments[spec.leaseParameter()] = lease;
            }
            Leases.push(lease);
            try {
                return invocation.proceed();
            } finally {
                Leases.pop();
            }
        } finally {
            if (!lease.isValid()) {
                LOG.warn("the lease on lock '{}' was lost while {} ran", name, WithLockMethod.describe(method));
            }
            lease.release();
        }
    }

    private Lease acquire(String name, Duration wait) {
        long started = System.nanoTime();
        try {
            if (wait == null) {
                return locks.get().lock(name).acquire();
            }
            Optional<Lease> lease = locks.get().lock(name).tryAcquire(wait);
            if (lease.isEmpty()) {
                throw new LockNotAcquiredException(name, wait, null);
            }
            return lease.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockNotAcquiredException(name, Duration.ofNanos(System.nanoTime() - started), e);
        }
    }
}
