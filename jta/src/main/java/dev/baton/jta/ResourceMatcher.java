package dev.baton.jta;

import jakarta.transaction.SystemException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

/**
 * Tells which registered resource an {@code XAResource} from outside belongs to
 * ({@code Transaction.enlistResource}): the one whose own XA resource it {@code isSameRM}. A branch
 * on a resource that is not registered could not be recovered after a crash (recovery scans only
 * the registered resources), so such a resource is refused, with a message that says so.
 *
 * <p>It keeps one XA connection per registered resource to compare with, opened on first use.
 * Drivers answer {@code isSameRM} their own way: MySQL's and Oracle's compare the server, while
 * PostgreSQL's (and H2's) recognise only the very same object, so with those a foreign XA resource
 * never matches; their connections come from {@code BatonJta.dataSource(name)} instead.
 *
 * <p>Thread-safe.
 */
final class ResourceMatcher implements AutoCloseable {

    private final Map<String, XADataSource> resources;
    private final Map<String, XAConnection> probes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ResourceMatcher(Map<String, XADataSource> resources) {
        this.resources = Collections.unmodifiableMap(new LinkedHashMap<>(resources));
    }

    /**
     * The registered name of the resource manager {@code xa} belongs to.
     *
     * @throws SystemException if it matches none, or several, naming the problem
     */
    String nameOf(XAResource xa) throws SystemException {
        List<String> matches = new ArrayList<>();
        for (Map.Entry<String, XADataSource> resource : resources.entrySet()) {
            String name = resource.getKey();
            XAResource own = probe(name, resource.getValue());
            try {
                if (own == xa || xa.isSameRM(own)) {
                    matches.add(name);
                }
            } catch (XAException e) {
                throw failure("cannot compare " + xa + " with registered resource '" + name + "' (isSameRM failed with"
                        + " XA error " + e.errorCode + ")", e);
            }
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new SystemException("cannot enlist " + xa + ": it is none of the registered resources "
                    + resources.keySet() + " (isSameRM), and a branch on an unregistered resource could not be"
                    + " recovered after a crash. Register its XADataSource with BatonJta.Builder.dataSource(name, ...);"
                    + " if it is one of those, take connections from BatonJta.dataSource(name) instead (drivers such"
                    + " as PostgreSQL's recognise only their own XA resource in isSameRM)");
        }
        throw new SystemException("cannot enlist " + xa + ": it belongs to several registered resources " + matches
                + " (isSameRM), so it is not clear which one recovery should finish its branch on; register each"
                + " resource manager once");
    }

    private XAResource probe(String name, XADataSource dataSource) throws SystemException {
        if (closed) {
            throw new SystemException("Baton JTA is closed");
        }
        try {
            XAConnection connection = probes.get(name);
            if (connection == null) {
                synchronized (probes) {
                    connection = probes.get(name);
                    if (connection == null) {
                        connection = dataSource.getXAConnection();
                        probes.put(name, connection);
                    }
                }
            }
            return connection.getXAResource();
        } catch (SQLException e) {
            throw failure("cannot connect to registered resource '" + name + "' to compare an XA resource with it: "
                    + e.getMessage(), e);
        }
    }

    private static SystemException failure(String message, Exception cause) {
        SystemException failure = new SystemException(message);
        failure.initCause(cause);
        return failure;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (probes) {
            for (XAConnection connection : probes.values()) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // only compared with; nothing to recover from it
                }
            }
            probes.clear();
        }
    }
}
