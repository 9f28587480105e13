/**
 * Real servers started on loopback for the demo, the sandbox, the benchmarks and the tests:
 * {@link dev.baton.embedded.EmbeddedRedis}, a {@code redis-server} child process;
 * {@link dev.baton.embedded.EmbeddedZooKeeper}, a ZooKeeper ensemble in this process; and
 * {@link dev.baton.embedded.EmbeddedPostgreSql}, PostgreSQL with prepared transactions.
 */
@NullMarked
package dev.baton.embedded;

import org.jspecify.annotations.NullMarked;
