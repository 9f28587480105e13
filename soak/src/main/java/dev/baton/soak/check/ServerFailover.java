package dev.baton.soak.check;

/**
 * A failover the servers announced (a Sentinel's {@code +switch-master}), whether the nemesis
 * caused it or not; times in µs, from when the servers began it to when they named the new master.
 */
record ServerFailover(long start, long end, String what) {
}
