/**
 * For backend authors: {@link dev.baton.lock.spi.LockBackendProvider} (found with
 * {@link java.util.ServiceLoader}), typed {@link dev.baton.lock.spi.ConfigKey}s, and the validated
 * {@link dev.baton.lock.spi.BatonConfig} a provider opens a client from.
 */
@NullMarked
package dev.baton.lock.spi;

import org.jspecify.annotations.NullMarked;
