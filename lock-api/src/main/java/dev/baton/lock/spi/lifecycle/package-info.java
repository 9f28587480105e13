/**
 * For implementers of long-lived services (lock backends, the coordinator): one lifecycle,
 * {@link dev.baton.lock.spi.lifecycle.AbstractService} (an explicit state machine with its legal
 * transitions), and {@link dev.baton.lock.spi.lifecycle.ServiceExecutor}, a service's threads.
 * Not for applications.
 */
@NullMarked
package dev.baton.lock.spi.lifecycle;

import org.jspecify.annotations.NullMarked;
