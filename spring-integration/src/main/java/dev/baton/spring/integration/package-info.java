/**
 * Spring Integration on Baton: {@link dev.baton.spring.integration.BatonLockRegistry}, a
 * {@code LockRegistry} (expirable and renewable) whose locks are Baton leases.
 */
package dev.baton.spring.integration;
