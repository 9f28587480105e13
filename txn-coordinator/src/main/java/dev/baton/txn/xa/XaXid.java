package dev.baton.txn.xa;

import dev.baton.txn.internal.store.TxnNames;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.transaction.xa.Xid;

/**
 * The Xid of one branch of an in-process XA transaction: format {@link #FORMAT_ID} ("BTN2"), global
 * id {@code <txnId>/<owner>} (the transaction, and the live node of the coordinator session that
 * began it), branch qualifier the resource's registered name. So {@code recover()} on any instance
 * tells whose branch it is, of which transaction, and where to look for its decision; and the
 * branches of the distributed path ({@code XaParticipant}, "BTN1") and of other transaction
 * managers are never touched.
 */
final class XaXid {

    /** The XA format id of in-process branches: "BTN2". */
    static final int FORMAT_ID = 0x42544e32;

    private static final Pattern GLOBAL = Pattern.compile("(tx-[0-9a-f]{12}-[0-9a-f]{16})/([0-9a-f]{16}-[0-9a-f]{8})");

    private XaXid() {
    }

    /** The parts of a Baton in-process Xid. */
    record Parts(String txnId, String owner, String resource) {
    }

    static Xid of(String txnId, String owner, String resource) {
        return new ValueXid(FORMAT_ID, (txnId + "/" + owner).getBytes(StandardCharsets.UTF_8),
                resource.getBytes(StandardCharsets.UTF_8));
    }

    /** The parts of {@code xid} if it is a branch of this path; empty for any other Xid. */
    static Optional<Parts> parse(Xid xid) {
        if (xid.getFormatId() != FORMAT_ID) {
            return Optional.empty();
        }
        Matcher global = GLOBAL.matcher(new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8));
        if (!global.matches() || !TxnNames.isTxnId(global.group(1))) {
            return Optional.empty();
        }
        return Optional.of(new Parts(global.group(1), global.group(2),
                new String(xid.getBranchQualifier(), StandardCharsets.UTF_8)));
    }
}
