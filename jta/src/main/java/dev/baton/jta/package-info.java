/**
 * A Jakarta Transactions (JTA 2.0) transaction manager on Baton's in-process XA path
 * ({@link dev.baton.txn.xa.XaTransactions}): {@link dev.baton.jta.BatonJta} gives a
 * {@code TransactionManager}, a {@code UserTransaction}, a {@code TransactionSynchronizationRegistry}
 * and, per registered XA resource, a pooled {@code javax.sql.DataSource} whose connections take part
 * in the current transaction.
 *
 * <p>The API is {@link dev.baton.jta.BatonJta} and the {@code jakarta.transaction} interfaces it
 * hands out; every other type of this package is package-private.
 */
@NullMarked
package dev.baton.jta;

import org.jspecify.annotations.NullMarked;
