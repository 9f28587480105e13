package dev.baton.lock.zookeeper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Certificates for the TLS tests, made by the JDK's own keytool in a directory of the test's. */
final class Keytool {

    static final String PASSWORD = "changeit";

    private Keytool() {
    }

    /**
     * A PKCS12 key store {@code name}.p12 holding one self-signed EC key pair for {@code dname},
     * valid for two days, with the subject alternative names {@code san} (keytool's syntax, e.g.
     * {@code dns:localhost,ip:127.0.0.1}) unless null.
     */
    static Path keyPair(Path dir, String name, String dname, String san) throws IOException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", dname));
        if (san != null) {
            args.addAll(List.of("-ext", "SAN=" + san));
        }
        args.addAll(List.of("-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass",
                PASSWORD, "-keypass", PASSWORD));
        run(args);
        return store;
    }

    /** A PKCS12 trust store {@code name}.p12 that trusts the certificate of {@code keyStore}'s entry {@code alias}. */
    static Path trusting(Path dir, String name, Path keyStore, String alias) throws IOException, InterruptedException {
        Path certificate = dir.resolve(alias + ".crt");
        run(List.of("-exportcert", "-alias", alias, "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-rfc",
                "-file", certificate.toString()));
        Path store = dir.resolve(name + ".p12");
        run(List.of("-importcert", "-noprompt", "-alias", alias, "-file", certificate.toString(), "-keystore",
                store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD));
        return store;
    }

    private static void run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + String.join(" ", args) + "\n" + output);
        }
    }
}
