/**
 * Baton's lock metrics in Micrometer: {@link dev.baton.micrometer.MicrometerLockListener}, a
 * {@link dev.baton.lock.LockListener} that records acquisitions, hold times, losses by reason,
 * waiting requests, Redis renewals and ZooKeeper connection states.
 */
package dev.baton.micrometer;
