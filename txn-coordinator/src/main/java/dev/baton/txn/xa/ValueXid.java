package dev.baton.txn.xa;

import java.util.Arrays;
import javax.transaction.xa.Xid;

/** An Xid compared by value (format, global id and qualifier), as the XA contract asks. */
final class ValueXid implements Xid {

    private final int formatId;
    private final byte[] global;
    private final byte[] branch;

    ValueXid(int formatId, byte[] global, byte[] branch) {
        this.formatId = formatId;
        this.global = global.clone();
        this.branch = branch.clone();
    }

    @Override
    public int getFormatId() {
        return formatId;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return global.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
        return branch.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Xid && ((Xid) other).getFormatId() == formatId
                && Arrays.equals(((Xid) other).getGlobalTransactionId(), global)
                && Arrays.equals(((Xid) other).getBranchQualifier(), branch);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(global) * 31 + Arrays.hashCode(branch)) * 31 + formatId;
    }

    @Override
    public String toString() {
        return formatId + ":" + new String(global, java.nio.charset.StandardCharsets.UTF_8) + ":"
                + new String(branch, java.nio.charset.StandardCharsets.UTF_8);
    }
}
