package dev.baton.bench;

/** A factory for {@link Harness.Contestant}s from a name and a lambda. */
final class Contestants {

    private Contestants() {
    }

    interface Opener<T> {
        Harness.Opened<T> open() throws Exception;
    }

    static <T> Harness.Contestant<T> of(String name, Opener<T> opener) {
        return new Harness.Contestant<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Harness.Opened<T> open() throws Exception {
                return opener.open();
            }
        };
    }
}
