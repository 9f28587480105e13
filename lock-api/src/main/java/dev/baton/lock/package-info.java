/**
 * Baton's lock API: {@link dev.baton.lock.LockClients} opens a {@link dev.baton.lock.LockClient}
 * for the backend named by {@code baton.backend}; {@link dev.baton.lock.DistributedLock} hands out
 * {@link dev.baton.lock.Lease}s that carry a fencing token and report their own loss.
 *
 * <p>Every type here is safe for concurrent use unless its documentation says otherwise. Losing a
 * race is an empty {@code Optional}; infrastructure faults are {@link dev.baton.lock.LockException};
 * bad arguments are {@code IllegalArgumentException} or {@code NullPointerException}.
 */
@NullMarked
package dev.baton.lock;

import org.jspecify.annotations.NullMarked;
