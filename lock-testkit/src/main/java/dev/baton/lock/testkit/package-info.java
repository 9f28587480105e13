/**
 * A test library for lock backends: {@link dev.baton.lock.testkit.LockContractTest}, the contract
 * every backend passes unchanged; {@link dev.baton.lock.testkit.FencedResource}, a resource that
 * refuses stale fencing tokens; {@link dev.baton.lock.testkit.TcpProxy}, which cuts one client off
 * while others keep talking; {@link dev.baton.lock.testkit.ChildJvm}, a process to SIGKILL or
 * SIGSTOP that runs with the test's settings; and {@link dev.baton.lock.testkit.Timing}, which
 * scales every test timeout by one factor ({@code -Dbaton.test.timing.factor}).
 */
@NullMarked
package dev.baton.lock.testkit;

import org.jspecify.annotations.NullMarked;
