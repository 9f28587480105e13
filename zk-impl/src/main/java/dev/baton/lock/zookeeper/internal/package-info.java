/**
 * The lock engine: not API (not exported; may change in any release). {@code LockEngine} owns the
 * session and the registries; each request is an {@code AcquireAttempt}, a callback-driven state
 * machine that asks a {@code QueueRule} (a pure function of the queue) where its node stands,
 * talks to ZooKeeper through a {@code Session}, and reads error codes through
 * {@code KeeperFaults}. Recipes other than the mutex plug in a rule of their own.
 */
@NullMarked
package dev.baton.lock.zookeeper.internal;

import org.jspecify.annotations.NullMarked;
