package dev.baton.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method while holding a Baton lock: acquired before the call, released after it returns
 * or throws.
 *
 * <pre>{@code
 * @WithLock(name = "orders/#{#order.id}", maxWait = "5s")
 * public void ship(Order order, Lease lease) {          // the Lease parameter is optional
 *     warehouse.ship(order, lease.fencingToken());       // or Leases.current().fencingToken()
 * }
 * }</pre>
 *
 * <p>The method must be on a Spring bean and called through the bean (calls from within the same
 * object do not pass the proxy), and may not be private, static or final. Misuse is found at
 * start-up, not at the first call: an annotated method of a class that is no Spring bean, an
 * unparsable expression, a variable that names no parameter, a malformed wait, or no
 * {@link dev.baton.lock.LockClient} bean ({@code baton.backend} unset).
 *
 * <p>The lease is exposed to the method through a parameter of type {@link dev.baton.lock.Lease}
 * (the caller passes anything, typically {@code null}; the method gets the lease) and through
 * {@link Leases#current()}. The lock is not reentrant: a nested {@code @WithLock} on the same name
 * waits for itself, until its {@link #maxWait()} runs out.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface WithLock {

    /**
     * The lock's name: text with optional SpEL parts in {@code #{...}} over the method's arguments,
     * by name ({@code #order}, which needs the {@code -parameters} compiler flag that Spring Boot's
     * build plugins set) or by position ({@code #p0}, {@code #a0}).
     */
    String name();

    /**
     * How long to wait for the lock before failing with {@link LockNotAcquiredException}:
     * {@code 5s}, {@code 250ms}, {@code PT1M}; {@code 0s} makes one attempt. Empty (the default)
     * waits as long as it takes. (Named as {@code tryAcquire}'s parameter: an annotation cannot
     * have a {@code wait} attribute, which {@code Object.wait()} takes.)
     */
    String maxWait() default "";
}
