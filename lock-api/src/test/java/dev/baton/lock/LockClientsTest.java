package dev.baton.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration handling of {@link LockClients}. The only provider on this module's test class
 * path is {@link RecordingProvider}, which records the configuration it is opened with: these tests
 * are about parsing and selection, not about any backend.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockClientsTest {

    @TempDir
    Path dir;

    @Test
    void backendIsChosenByConfiguration() {
        try (LockClient client = LockClients.open(Map.of("baton.backend", "recording", "baton.recording.value", "x"))) {
            assertThat(client.backend()).isEqualTo("recording");
            assertThat(RecordingProvider.last().get(RecordingProvider.VALUE)).isEqualTo("x");
        }
    }

    @Test
    void missingBackendNamesTheKeyAndWhatIsInstalled() {
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "etcd")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.backend is 'etcd'")
                .hasMessageContaining("installed: recording");
        assertThatThrownBy(() -> LockClients.open(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.backend is required");
    }

    @Test
    void unknownAndMalformedKeysFailBeforeAnythingOpens() {
        int opened = RecordingProvider.opened();
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "recording", "baton.lock.leasetime", "1s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'baton.lock.leasetime'")
                .hasMessageContaining("did you mean 'baton.lock.lease-time'");
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "recording", "baton.lock.lease-time", "soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.lock.lease-time")
                .hasMessageContaining("'soon'");
        assertThat(RecordingProvider.opened()).isEqualTo(opened);
    }

    @Test
    void propertiesAndFilesWork() throws IOException {
        Properties properties = new Properties();
        properties.setProperty("baton.backend", "recording");
        LockClients.open(properties).close();
        Path file = dir.resolve("my.properties");
        Files.writeString(file, "baton.backend=recording\nbaton.recording.value=from-file\n");
        LockClients.open(file).close();
        assertThat(RecordingProvider.last().get(RecordingProvider.VALUE)).isEqualTo("from-file");
        assertThatThrownBy(() -> LockClients.open(dir.resolve("absent.properties")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent.properties");
    }

    @Test
    void environmentOverridesTheFileInTheWorkingDirectory() throws IOException {
        Files.writeString(dir.resolve("baton.properties"), "baton.backend=recording\nbaton.recording.value=file\n");
        Map<String, String> config = LockClients.environmentConfig(
                Map.of("BATON_RECORDING_VALUE", "env", "PATH", "/bin", "BATON_FENCING_TOKEN", "7"), dir);
        assertThat(config).containsEntry("baton.backend", "recording").containsEntry("baton.recording.value", "env")
                .hasSize(2);
    }

    @Test
    void theVariablesBatonsCommandsSetForTheirChildrenAreNotConfiguration() {
        // baton lock and baton elect run a command with these set; it may open a client itself
        Map<String, String> config = LockClients.environmentConfig(Map.of("BATON_BACKEND", "recording",
                "BATON_FENCING_TOKEN", "7", "BATON_LOCK_NAME", "jobs", "BATON_LEADER_TERM", "12",
                "BATON_ELECTION", "scheduler", "BATON_OPTS", "-Xmx64m"), dir);
        assertThat(config).containsExactly(Map.entry("baton.backend", "recording"));
    }

    @Test
    void configFileVariableNamesTheFile() throws IOException {
        Path file = dir.resolve("elsewhere.properties");
        Files.writeString(file, "baton.lock.lease-time=5s\n");
        Map<String, String> config = LockClients.environmentConfig(Map.of("BATON_CONFIG_FILE", file.toString()), dir);
        assertThat(config).containsExactly(Map.entry("baton.lock.lease-time", "5s"));
    }

    @Test
    void unknownBatonVariableIsRejectedByName() {
        assertThatThrownBy(() -> LockClients.environmentConfig(Map.of("BATON_ZOOKEPER_CONNECT", "x"), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BATON_ZOOKEPER_CONNECT");
    }

    @Test
    void keysOfOtherModulesAreAcceptedInOneSharedConfiguration() {
        LockClients.open(Map.of("baton.backend", "recording", "baton.other.size", "7")).close();
        assertThat(LockClients.environmentConfig(Map.of("BATON_OTHER_SIZE", "7"), dir))
                .containsEntry("baton.other.size", "7");
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "recording", "baton.other.size", "70")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.other.size");
    }
}
