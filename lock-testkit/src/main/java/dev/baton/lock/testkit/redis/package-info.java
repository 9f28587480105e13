/**
 * A {@code redis-server} for tests as a JUnit 5 extension,
 * {@link dev.baton.lock.testkit.redis.RedisServerExtension}, on the one launcher in
 * {@code baton-embedded}. A test that uses it needs {@code dev.baton:baton-embedded} on its class
 * path (an optional dependency of the testkit).
 */
@NullMarked
package dev.baton.lock.testkit.redis;

import org.jspecify.annotations.NullMarked;
