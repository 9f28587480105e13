/**
 * The participant side: a {@link dev.baton.txn.participant.Participant} prepares, commits and rolls
 * back its {@link dev.baton.txn.participant.Branch} of a transaction, and a
 * {@link dev.baton.txn.participant.ParticipantHost} runs participants in any process, finds their
 * branches in ZooKeeper and writes their votes.
 */
@NullMarked
package dev.baton.txn.participant;

import org.jspecify.annotations.NullMarked;
