/**
 * The fault-injection soak of issue 15: {@link dev.baton.soak.SoakMain} starts real servers, worker
 * JVMs ({@link dev.baton.soak.Worker}) that use only Baton's public API, a fenced resource and a
 * {@link dev.baton.soak.Nemesis}; {@link dev.baton.soak.check.Checker} judges the recorded history.
 */
@NullMarked
package dev.baton.soak;

import org.jspecify.annotations.NullMarked;
