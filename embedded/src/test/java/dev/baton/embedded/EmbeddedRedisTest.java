package dev.baton.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Where a server's working directory goes, and what is left of it once the server is closed. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedRedisTest {

    @Test
    void aDirectoryMadeInTheSystemTempDirIsDeletedOnClose() {
        Path dir;
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            dir = redis.log().getParent();
            assertThat(dir.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
            assertThat(dir.getFileName().toString()).startsWith("baton-redis-");
            assertThat(redis.log()).exists();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void aDirectoryUnderAChosenRootStaysWithItsLog(@TempDir Path root) {
        Path log;
        try (EmbeddedRedis redis = EmbeddedRedis.builder().directory(root).start()) {
            log = redis.log();
        }
        assertThat(log).startsWith(root).exists();
        assertThat(Files.isDirectory(log.getParent())).isTrue();
    }
}
