/**
 * Not API. The one store: {@code TxnStore} owns the znode layout ({@code TxnLayout}), every read and
 * multi (asynchronous, through {@code ZkAsync}) and the one versioned JSON codec ({@code TxnCodec});
 * the protocol asks it for typed records and never builds a path.
 */
@NullMarked
package dev.baton.txn.internal.store;

import org.jspecify.annotations.NullMarked;
