/**
 * Real servers started on loopback for the demo, the benchmarks and the tests:
 * {@link dev.baton.embedded.EmbeddedRedis}, a {@code redis-server} child process.
 */
@NullMarked
package dev.baton.embedded;

import org.jspecify.annotations.NullMarked;
