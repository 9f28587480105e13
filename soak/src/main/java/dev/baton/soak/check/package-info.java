/**
 * The checker: a pure function from a recorded history (text lines, see {@link dev.baton.soak.check.HistoryLine})
 * to violations and figures. No servers, no clocks: it is unit-tested on hand-written histories.
 */
@NullMarked
package dev.baton.soak.check;

import org.jspecify.annotations.NullMarked;
