/**
 * Two-phase commit across services, its state kept in ZooKeeper: the caller's API.
 *
 * <p>{@link dev.baton.txn.TransactionCoordinator} begins transactions
 * ({@link dev.baton.txn.TransactionBuilder}) and tells each caller its
 * {@link dev.baton.txn.Outcome}; {@link dev.baton.txn.TransactionStatus} answers "what happened to
 * transaction X" after the fact, including "never begun" and "unknown". Faults are
 * {@link dev.baton.txn.TransactionException} and its subtypes.
 *
 * <p>API packages: this one, {@code participant}, {@code xa} and {@code admin}. Packages named
 * {@code internal} are not API and may change in any release.
 */
@NullMarked
package dev.baton.txn;

import org.jspecify.annotations.NullMarked;
