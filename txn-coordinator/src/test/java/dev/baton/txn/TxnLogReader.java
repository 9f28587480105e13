package dev.baton.txn;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.TxnLog;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.DeleteTxn;
import org.apache.zookeeper.txn.ErrorTxn;
import org.apache.zookeeper.txn.MultiTxn;
import org.apache.zookeeper.txn.TxnHeader;

/** Reads a test server's transaction log: which writes the ensemble committed, to count and explain them. */
final class TxnLogReader {

    private TxnLogReader() {
    }

    /** One line per committed write after {@code afterZxid}: zxid, type, path. */
    static List<String> writesAfter(File dataDirectory, long afterZxid) {
        return writesAfter(dataDirectory, afterZxid, false);
    }

    /** As {@link #writesAfter(File, long)}; {@code verbose}: also the session and a multi's created paths. */
    static List<String> writesAfter(File dataDirectory, long afterZxid, boolean verbose) {
        List<String> writes = new ArrayList<>();
        FileTxnLog log = new FileTxnLog(new File(dataDirectory, "version-2"));
        try (TxnLog.TxnIterator iterator = log.read(afterZxid + 1)) {
            while (iterator.getHeader() != null) {
                TxnHeader header = iterator.getHeader();
                if (header.getZxid() > afterZxid) {
                    writes.add(Long.toHexString(header.getZxid()) + " " + describe(header.getType(), iterator.getTxn(), verbose)
                            + (verbose ? " session " + Long.toHexString(header.getClientId()) : ""));
                }
                if (!iterator.next()) {
                    break;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the transaction log in " + dataDirectory, e);
        }
        return writes;
    }

    /**
     * Every node created after {@code afterZxid}, inside a multi or alone, in the order of the log.
     * A {@code multi} that failed applied nothing, so its creates are left out: the log keeps the
     * operations before the failing one as they were prepared (creates), and marks the multi failed
     * only by an error among its parts. (A group of writes that ZooKeeper refuses is sent again
     * write by write, so a begin can appear in a refused multi and then once more, applied.)
     */
    static List<String> createsAfter(File dataDirectory, long afterZxid) {
        List<String> created = new ArrayList<>();
        FileTxnLog log = new FileTxnLog(new File(dataDirectory, "version-2"));
        try (TxnLog.TxnIterator iterator = log.read(afterZxid + 1)) {
            while (iterator.getHeader() != null) {
                if (iterator.getHeader().getZxid() > afterZxid) {
                    org.apache.jute.Record txn = iterator.getTxn();
                    if (txn instanceof CreateTxn) {
                        created.add(((CreateTxn) txn).getPath());
                    } else if (txn instanceof MultiTxn && applied((MultiTxn) txn)) {
                        for (org.apache.zookeeper.txn.Txn part : ((MultiTxn) txn).getTxns()) {
                            if (part.getType() == org.apache.zookeeper.ZooDefs.OpCode.create
                                    || part.getType() == org.apache.zookeeper.ZooDefs.OpCode.create2) {
                                CreateTxn create = new CreateTxn();
                                org.apache.zookeeper.server.ByteBufferInputStream.byteBuffer2Record(
                                        java.nio.ByteBuffer.wrap(part.getData()), create);
                                created.add(create.getPath());
                            }
                        }
                    }
                }
                if (!iterator.next()) {
                    break;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the transaction log in " + dataDirectory, e);
        }
        return created;
    }

    /** Whether a logged {@code multi} took effect: none of its parts is an error. */
    private static boolean applied(MultiTxn multi) {
        return multi.getTxns().stream().noneMatch(part -> part.getType() == org.apache.zookeeper.ZooDefs.OpCode.error);
    }

    private static String describe(int type, org.apache.jute.Record txn, boolean verbose) {
        if (txn instanceof CreateTxn) {
            return "create " + ((CreateTxn) txn).getPath();
        }
        if (txn instanceof DeleteTxn) {
            return "delete " + ((DeleteTxn) txn).getPath();
        }
        if (txn instanceof ErrorTxn) {
            return "error " + ((ErrorTxn) txn).getErr();
        }
        if (txn instanceof MultiTxn) {
            List<org.apache.zookeeper.txn.Txn> parts = ((MultiTxn) txn).getTxns();
            boolean failed = !applied((MultiTxn) txn);
            if (!failed && !verbose) {
                return "multi of " + parts.size();
            }
            if (!failed) {
                List<String> paths = new java.util.ArrayList<>();
                for (org.apache.zookeeper.txn.Txn part : parts) {
                    if (part.getType() == org.apache.zookeeper.ZooDefs.OpCode.create
                            || part.getType() == org.apache.zookeeper.ZooDefs.OpCode.create2) {
                        CreateTxn create = new CreateTxn();
                        try {
                            org.apache.zookeeper.server.ByteBufferInputStream.byteBuffer2Record(
                                    java.nio.ByteBuffer.wrap(part.getData()), create);
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException(e);
                        }
                        paths.add("+" + create.getPath());
                    }
                }
                return "multi of " + parts.size() + " " + paths;
            }
            List<Integer> codes = new java.util.ArrayList<>();
            for (org.apache.zookeeper.txn.Txn part : parts) {
                codes.add(part.getType() == org.apache.zookeeper.ZooDefs.OpCode.error
                        ? java.nio.ByteBuffer.wrap(part.getData()).getInt() : 0);
            }
            return "failed multi of " + parts.size() + " " + codes;
        }
        return "type " + type;
    }
}
