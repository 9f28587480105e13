/**
 * The ZooKeeper lock backend ({@code baton.backend=zookeeper}):
 * {@link dev.baton.lock.zookeeper.ZooKeeperLockProvider}, found by {@link java.util.ServiceLoader};
 * {@link dev.baton.lock.zookeeper.ZooKeeperLockClient}, also built on a Curator client the
 * application runs ({@code wrap}); its {@link dev.baton.lock.zookeeper.ZooKeeperLockOptions} and
 * {@link dev.baton.lock.zookeeper.LossPolicy}.
 *
 * <p>API packages: this one and {@code dev.baton.lock.zookeeper.ext}. Packages named
 * {@code internal} are not API and may change in any release.
 */
@NullMarked
package dev.baton.lock.zookeeper;

import org.jspecify.annotations.NullMarked;
