package dev.baton.jta;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * A handle on a JTA transaction's connection to one resource (its one XA branch there), as
 * {@code DataSource.getConnection()} hands it out inside the transaction:
 *
 * <ul>
 *   <li>{@code close()} closes the handle only: the branch goes on, and is prepared and committed
 *       with the transaction (Spring closes connections before the commit);
 *   <li>{@code commit()}, {@code rollback()} and {@code setAutoCommit(true)} are refused with an
 *       {@code SQLException} that says why: the transaction commits or rolls back as a whole;
 *   <li>once the transaction has ended, every call but {@code close()} and {@code isClosed()}
 *       fails: the connection underneath is back in the pool, serving other transactions.
 * </ul>
 *
 * <p>Every {@code getConnection()} gives a new handle on the same connection, so closing one handle
 * leaves the others usable.
 */
final class EnlistedConnection implements InvocationHandler {

    /** SQLState 25000, invalid transaction state. */
    static final String INVALID_TRANSACTION_STATE = "25000";
    /** SQLState 08003, connection does not exist. */
    private static final String CLOSED = "08003";

    private final Connection target;
    private final JtaTransaction transaction;
    private final String resource;
    private volatile boolean closed;

    private EnlistedConnection(Connection target, JtaTransaction transaction, String resource) {
        this.target = target;
        this.transaction = transaction;
        this.resource = resource;
    }

    static Connection wrap(Connection target, JtaTransaction transaction, String resource) {
        return (Connection) Proxy.newProxyInstance(EnlistedConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new EnlistedConnection(target, transaction, resource));
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args) throws Throwable {
        int arity = args == null ? 0 : args.length;
        Object first = args == null || args.length == 0 ? null : args[0];
        switch (method.getName()) {
            case "equals":
                return proxy == first;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "connection to '" + resource + "' in " + transaction;
            case "close":
                closed = true;
                return null;
            case "isClosed":
                return closed || !transaction.phase().acceptsWork();
            case "isWrapperFor":
                if (first instanceof Class && ((Class<?>) first).isInstance(proxy)) {
                    return true;
                }
                break;
            case "unwrap":
                if (first instanceof Class && ((Class<?>) first).isInstance(proxy)) {
                    return proxy;
                }
                break;
            default:
                break;
        }
        checkUsable();
        switch (method.getName()) {
            case "commit":
                throw refused("commit()");
            case "rollback":
                if (arity == 0) {
                    throw refused("rollback()");
                }
                break;
            case "setAutoCommit":
                if (Boolean.TRUE.equals(first)) {
                    throw refused("setAutoCommit(true)");
                }
                return null;
            case "getAutoCommit":
                return false;
            default:
                break;
        }
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() != null ? e.getCause() : e;
        }
    }

    private void checkUsable() throws SQLException {
        if (closed) {
            throw new SQLException("this handle on the connection to '" + resource + "' of transaction "
                    + transaction.id() + " is closed", CLOSED);
        }
        TransactionPhase phase = transaction.phase();
        if (!phase.acceptsWork()) {
            throw new SQLException("the connection to '" + resource + "' belonged to transaction " + transaction.id()
                    + ", which is " + phase + "; get a new connection from the DataSource", CLOSED);
        }
    }

    private SQLException refused(String call) {
        return new SQLException(call + " is refused: this connection to '" + resource + "' takes part in JTA"
                + " transaction " + transaction.id() + ", which commits or rolls back as a whole. Complete it through"
                + " the UserTransaction or TransactionManager (or let the application's transaction manager, such as"
                + " Spring's JtaTransactionManager, do it)", INVALID_TRANSACTION_STATE);
    }
}
