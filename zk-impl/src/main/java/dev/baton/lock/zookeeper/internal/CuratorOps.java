package dev.baton.lock.zookeeper.internal;

import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.api.transaction.TypeAndPath;
import org.apache.zookeeper.Op;

/** A plain ZooKeeper {@link Op} as the {@link CuratorOp} that Curator's {@code transaction()} takes. */
public final class CuratorOps {

    private CuratorOps() {
    }

    /** {@code op}, which is of {@code type}, as a {@link CuratorOp}. */
    public static CuratorOp of(Op op, OperationType type) {
        TypeAndPath typeAndPath = new TypeAndPath(type, op.getPath());
        return new CuratorOp() {
            @Override
            public Op get() {
                return op;
            }

            @Override
            public TypeAndPath getTypeAndPath() {
                return typeAndPath;
            }
        };
    }
}
