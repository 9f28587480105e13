/**
 * ShedLock on Baton: {@link dev.baton.shedlock.BatonLockProvider}, a ShedLock
 * {@code ExtensibleLockProvider} backed by any Baton {@link dev.baton.lock.LockClient}.
 */
package dev.baton.shedlock;
