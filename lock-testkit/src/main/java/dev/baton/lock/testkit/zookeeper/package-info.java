/**
 * ZooKeeper test servers as JUnit 5 extensions:
 * {@link dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension} (one server, per class or per
 * test) and {@link dev.baton.lock.testkit.zookeeper.ZooKeeperEnsembleExtension} (an ensemble per
 * test), each closing the clients a test opened. A test that uses them needs
 * {@code org.apache.curator:curator-test} on its class path (an optional dependency of the testkit).
 */
@NullMarked
package dev.baton.lock.testkit.zookeeper;

import org.jspecify.annotations.NullMarked;
