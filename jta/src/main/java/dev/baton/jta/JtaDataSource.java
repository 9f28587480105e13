package dev.baton.jta;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@code DataSource} of one registered resource. Inside a JTA transaction of this
 * {@link BatonJta} (on the calling thread), {@link #getConnection()} returns the transaction's
 * connection to the resource, its branch started on first use ({@link EnlistedConnection}: closing
 * it leaves the branch alone; local commit, rollback and auto-commit are refused). Outside one, an
 * ordinary auto-commit connection from a bounded pool ({@link PlainPool}).
 *
 * <p>Thread-safe.
 */
final class JtaDataSource implements DataSource, AutoCloseable {

    private final String resource;
    private final XADataSource xaDataSource;
    private final BatonTransactionManager manager;
    private final PlainPool plain;

    JtaDataSource(String resource, XADataSource xaDataSource, BatonTransactionManager manager, PlainPool plain) {
        this.resource = resource;
        this.xaDataSource = xaDataSource;
        this.manager = manager;
        this.plain = plain;
    }

    @Override
    public Connection getConnection() throws SQLException {
        JtaTransaction transaction = manager.currentOpen();
        return transaction != null ? transaction.connection(resource) : plain.borrow();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("resource '" + resource + "' connects with its XADataSource's own"
                + " credentials; call getConnection()");
    }

    @Override
    public @Nullable PrintWriter getLogWriter() throws SQLException {
        return xaDataSource.getLogWriter();
    }

    @Override
    public void setLogWriter(@Nullable PrintWriter out) throws SQLException {
        xaDataSource.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        xaDataSource.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return xaDataSource.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return xaDataSource.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        if (iface.isInstance(xaDataSource)) {
            return iface.cast(xaDataSource);
        }
        throw new SQLException("the DataSource of resource '" + resource + "' does not wrap a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isInstance(xaDataSource);
    }

    /** Closes the connections kept outside transactions. */
    @Override
    public void close() {
        plain.close();
    }

    @Override
    public String toString() {
        return "BatonJta DataSource '" + resource + "'";
    }
}
