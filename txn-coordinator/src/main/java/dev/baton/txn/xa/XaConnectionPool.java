package dev.baton.txn.xa;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.XAConnection;
import javax.sql.XADataSource;

/**
 * The XA connections of one data source: a connection is borrowed for a branch (or a recovery
 * scan) and given back once the branch is prepared or finished. Connections are opened on demand;
 * at most {@code maxIdle} are kept for reuse, the most recently used first.
 *
 * <p>Bounded, at most {@code maxOpen} are open at once, idle ones included: a borrower that finds
 * none idle and the bound reached waits for one to be given back (or closed) and takes it, for up
 * to {@code wait}, then fails. The bound is kept here, beside the idle ones, because a bound kept
 * in the data source cannot see them: a connection given back to the idle list while a borrower
 * waited there for the data source stayed idle, and the borrower failed with nothing in use.
 *
 * <p>Thread-safe.
 */
final class XaConnectionPool implements AutoCloseable {

    private final String resource;
    private final XADataSource dataSource;
    private final int maxIdle;
    private final int maxOpen;
    private final Duration wait;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a connection is given back or closed. */
    private final Condition returned = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final Deque<XAConnection> idle = new ArrayDeque<>();
    /** Open connections, idle ones and those being opened included. Guarded by {@link #lock}. */
    private int open;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    /** An unbounded pool: connections are opened whenever none is idle. */
    XaConnectionPool(XADataSource dataSource, int maxIdle) {
        this("", dataSource, maxIdle, Integer.MAX_VALUE, Duration.ZERO);
    }

    /**
     * A pool of at most {@code maxOpen} connections to {@code resource}, keeping up to
     * {@code maxIdle} of them idle; a borrower waits up to {@code wait} for one.
     */
    XaConnectionPool(String resource, XADataSource dataSource, int maxIdle, int maxOpen, Duration wait) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("at most " + maxOpen + " connections: must be at least 1");
        }
        this.resource = resource;
        this.dataSource = dataSource;
        this.maxIdle = maxIdle;
        this.maxOpen = maxOpen;
        this.wait = wait;
    }

    XADataSource dataSource() {
        return dataSource;
    }

    /**
     * An idle connection, or a new one; bounded, one given back while waiting.
     *
     * @throws SQLTransientConnectionException if bounded and none was free within the wait
     * @throws SQLException if a new one cannot be opened, or the wait was interrupted
     */
    XAConnection borrow() throws SQLException {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (true) {
                XAConnection connection = idle.pollFirst();
                if (connection != null) {
                    return connection;
                }
                if (open < maxOpen) {
                    open++;
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SQLTransientConnectionException("no XA connection to resource '" + resource
                            + "' was free within " + wait + ": all " + maxOpen + " are in use");
                }
                returned.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for an XA connection to resource '" + resource + "'", e);
        } finally {
            lock.unlock();
        }
        try {
            return dataSource.getXAConnection();
        } catch (SQLException | RuntimeException e) {
            forgetOne();
            throw e;
        }
    }

    /** Gives {@code connection} back: kept if {@code reusable} and there is room, else closed. */
    void release(XAConnection connection, boolean reusable) {
        lock.lock();
        try {
            if (reusable && !closed && idle.size() < maxIdle) {
                idle.addFirst(connection);
                returned.signal();
                return;
            }
        } finally {
            lock.unlock();
        }
        closeQuietly(connection);
        forgetOne();
    }

    /** One open connection fewer: a waiting borrower may open one. */
    private void forgetOne() {
        lock.lock();
        try {
            open--;
            returned.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the idle connections; connections given back later are closed. Idempotent. */
    @Override
    public void close() {
        List<XAConnection> closing;
        lock.lock();
        try {
            closed = true;
            closing = new ArrayList<>(idle);
            idle.clear();
        } finally {
            lock.unlock();
        }
        for (XAConnection connection : closing) {
            closeQuietly(connection);
            forgetOne();
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
