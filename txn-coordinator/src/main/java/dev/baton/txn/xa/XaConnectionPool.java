package dev.baton.txn.xa;

import java.sql.SQLException;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.XAConnection;
import javax.sql.XADataSource;

/**
 * Idle XA connections of one data source, kept for reuse: a connection is borrowed for a branch
 * (or a recovery scan) and given back once the branch is prepared or finished. Connections are
 * opened on demand; at most {@code maxIdle} are kept.
 *
 * <p>Thread-safe.
 */
final class XaConnectionPool implements AutoCloseable {

    private final XADataSource dataSource;
    private final int maxIdle;
    private final Deque<XAConnection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    XaConnectionPool(XADataSource dataSource, int maxIdle) {
        this.dataSource = dataSource;
        this.maxIdle = maxIdle;
    }

    XADataSource dataSource() {
        return dataSource;
    }

    /** An idle connection, or a new one. */
    XAConnection borrow() throws SQLException {
        XAConnection connection = idle.poll();
        return connection != null ? connection : dataSource.getXAConnection();
    }

    /** Gives {@code connection} back: kept if {@code reusable} and there is room, else closed. */
    void release(XAConnection connection, boolean reusable) {
        if (reusable && !closed.get() && idle.size() < maxIdle) {
            idle.push(connection);
        } else {
            closeQuietly(connection);
        }
    }

    /** Closes the idle connections; connections given back later are closed. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
        for (XAConnection connection = idle.poll(); connection != null; connection = idle.poll()) {
            closeQuietly(connection);
        }
    }

    static void closeQuietly(XAConnection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // a broken connection: nothing to recover from it
        }
    }
}
