package dev.baton.spring.boot.misuse.stray;

import dev.baton.spring.boot.WithLock;

/** Annotated, but no Spring bean: the annotation could never run. */
public class Stray {

    @WithLock(name = "stray")
    public void work() {
    }
}
