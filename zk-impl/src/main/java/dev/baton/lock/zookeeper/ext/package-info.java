/**
 * Exported on purpose, for callers that keep their own nodes in ZooKeeper on the lock client's
 * session (the 2PC coordinator): {@link dev.baton.lock.zookeeper.ext.CallerQueues}, locks on queues
 * the caller owns, taken and given up inside the caller's own {@code multi()}; and
 * {@link dev.baton.lock.zookeeper.ext.KeeperFaults}, the one place that says which ZooKeeper result
 * codes are transient, ambiguous or final.
 */
@NullMarked
package dev.baton.lock.zookeeper.ext;

import org.jspecify.annotations.NullMarked;
