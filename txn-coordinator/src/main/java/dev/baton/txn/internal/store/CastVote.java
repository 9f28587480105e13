package dev.baton.txn.internal.store;

import dev.baton.txn.Vote;
import org.jspecify.annotations.Nullable;

/** A vote as stored: a YES names the prepared attempt it vouches for; a NO has no attempt. */
public record CastVote(Vote vote, @Nullable String attempt) {
}
