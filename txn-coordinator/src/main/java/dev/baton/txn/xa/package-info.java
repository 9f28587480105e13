/**
 * A database as a participant through XA ({@link dev.baton.txn.xa.XaParticipant}, with
 * {@code PREPARE TRANSACTION} on PostgreSQL): the work of a branch is a
 * {@link dev.baton.txn.xa.XaWork}, and its heuristic endings are recognised and reported.
 */
@NullMarked
package dev.baton.txn.xa;

import org.jspecify.annotations.NullMarked;
