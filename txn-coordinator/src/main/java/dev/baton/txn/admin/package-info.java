/**
 * What an operator does to transactions on a live ZooKeeper
 * ({@link dev.baton.txn.admin.TransactionAdmin}): list the open ones, look one up, abort one that
 * has no decision yet, read and forget the recent outcomes. The {@code baton txn} command runs on it.
 */
@NullMarked
package dev.baton.txn.admin;

import org.jspecify.annotations.NullMarked;
