/**
 * Baton's lock API ({@code dev.baton.lock}), the backend SPI ({@code dev.baton.lock.spi}) and the
 * service lifecycle for implementers ({@code dev.baton.lock.spi.lifecycle}). Backends are found with
 * {@link java.util.ServiceLoader}, on the module path ({@code provides}) or the class path
 * ({@code META-INF/services}).
 */
module dev.baton.lock {
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports dev.baton.lock;
    exports dev.baton.lock.spi;
    exports dev.baton.lock.spi.lifecycle;

    uses dev.baton.lock.spi.LockBackendProvider;
    uses dev.baton.lock.spi.ConfigKeySource;
}
