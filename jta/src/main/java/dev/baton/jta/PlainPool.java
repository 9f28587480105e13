package dev.baton.jta;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import org.jspecify.annotations.Nullable;

/**
 * The connections of one resource handed out outside any transaction: ordinary auto-commit
 * connections on XA connections of the resource's {@code XADataSource}, at most {@code size} open
 * at once; a caller waits up to {@code wait} for one. A connection idle for over a second is
 * checked with {@code isValid} before it is handed out again; one given back with a transaction
 * of its own open is rolled back and returned to auto-commit.
 *
 * <p>Thread-safe.
 */
final class PlainPool implements AutoCloseable {

    private static final long VALIDATE_AFTER_IDLE_MILLIS = 1000;

    private record Idle(XAConnection connection, long since) {
    }

    private final String resource;
    private final XADataSource dataSource;
    private final int size;
    private final Duration wait;
    private final Clock clock;
    private final Semaphore permits;
    private final Deque<Idle> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    PlainPool(String resource, XADataSource dataSource, int size, Duration wait, Clock clock) {
        this.resource = resource;
        this.dataSource = dataSource;
        this.size = size;
        this.wait = wait;
        this.clock = clock;
        this.permits = new Semaphore(size, true);
    }

    /**
     * An auto-commit connection; {@code close()} gives it back.
     *
     * @throws SQLTransientConnectionException if none was free within the wait
     * @throws SQLException if the pool is closed or no connection could be opened
     */
    Connection borrow() throws SQLException {
        checkOpen();
        try {
            if (!permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new SQLTransientConnectionException("no connection to resource '" + resource + "' was free"
                        + " within " + wait + ": all " + size + " outside transactions are in use");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a connection to resource '" + resource + "'", e);
        }
        try {
            checkOpen();
            XAConnection physical = takeIdle();
            if (physical == null) {
                physical = dataSource.getXAConnection();
            }
            Connection handle;
            try {
                handle = physical.getConnection();
                if (!handle.getAutoCommit()) {
                    handle.setAutoCommit(true);
                }
            } catch (SQLException | RuntimeException e) {
                closeQuietly(physical);
                throw e;
            }
            return (Connection) Proxy.newProxyInstance(PlainPool.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, new Handle(physical, handle));
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private @Nullable XAConnection takeIdle() {
        for (Idle next = idle.poll(); next != null; next = idle.poll()) {
            if (clock.millis() - next.since() < VALIDATE_AFTER_IDLE_MILLIS || valid(next.connection())) {
                return next.connection();
            }
            closeQuietly(next.connection());
        }
        return null;
    }

    private static boolean valid(XAConnection connection) {
        try {
            Connection check = connection.getConnection();
            try {
                return check.isValid(5);
            } finally {
                check.close();
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private void giveBack(XAConnection physical, Connection handle, boolean broken) {
        boolean reusable = !broken && !closed;
        try {
            if (reusable && !handle.getAutoCommit()) {
                handle.rollback();
                handle.setAutoCommit(true);
            }
            handle.close();
        } catch (SQLException e) {
            reusable = false;
        }
        if (reusable) {
            idle.push(new Idle(physical, clock.millis()));
            if (closed) {
                close(); // closed meanwhile: do not leave it behind
            }
        } else {
            closeQuietly(physical);
        }
        permits.release();
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("the DataSource of resource '" + resource + "' is closed");
        }
    }

    /** Closes the idle connections; those in use are closed when given back. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Idle next = idle.poll(); next != null; next = idle.poll()) {
            closeQuietly(next.connection());
        }
    }

    private static void closeQuietly(XAConnection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // broken or closing anyway: nothing to recover from it
        }
    }

    /** A borrowed connection: {@code close()} gives it back once; then every call but {@code isClosed()} fails. */
    private final class Handle implements InvocationHandler {

        private final XAConnection physical;
        private final Connection target;
        private boolean closed;
        private boolean broken;

        Handle(XAConnection physical, Connection target) {
            this.physical = physical;
            this.target = target;
        }

        @Override
        public synchronized @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args)
                throws Throwable {
            Object first = args == null || args.length == 0 ? null : args[0];
            switch (method.getName()) {
                case "equals":
                    return proxy == first;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "connection to '" + resource + "' (outside transactions)" + (closed ? ", closed" : "");
                case "close":
                    if (!closed) {
                        closed = true;
                        giveBack(physical, target, broken);
                    }
                    return null;
                case "isClosed":
                    return closed;
                default:
                    break;
            }
            if (closed) {
                throw new SQLException("this connection to '" + resource + "' is closed", "08003");
            }
            if ((method.getName().equals("unwrap") || method.getName().equals("isWrapperFor"))
                    && first instanceof Class && ((Class<?>) first).isInstance(proxy)) {
                return method.getName().equals("unwrap") ? proxy : Boolean.TRUE;
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof SQLException && isFatal((SQLException) cause)) {
                    broken = true;
                }
                throw cause;
            }
        }
    }

    /** SQLState class 08 (connection exception): the connection is no good for anyone else. */
    private static boolean isFatal(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("08");
    }
}
