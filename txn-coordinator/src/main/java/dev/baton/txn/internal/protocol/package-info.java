/**
 * Not API. The protocol: the coordinator's service ({@code CoordinatorCore}), one
 * {@code TxnDriver} per transaction whose next step is the pure {@code DriverRule} over a snapshot
 * of the znodes, the vote count ({@code Ballot}), the begin, the driver lease, the live-participant
 * view and the history keeper.
 */
@NullMarked
package dev.baton.txn.internal.protocol;

import org.jspecify.annotations.NullMarked;
