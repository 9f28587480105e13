/**
 * Not API (not exported; may change in any release): the Lua scripts both Redis backends run,
 * public only so that the benchmark's floor runs the very same scripts.
 */
@NullMarked
package dev.baton.lock.redis.internal;

import org.jspecify.annotations.NullMarked;
