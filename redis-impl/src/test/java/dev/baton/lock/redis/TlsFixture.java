package dev.baton.lock.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the JDK's keytool: the PEM files
 * redis-server wants, and a PKCS12 trust store holding the certificate for the client.
 */
record TlsFixture(Path certificate, Path key, Path truststore, String truststorePassword) {

    private static final String PASSWORD = "changeit";

    static TlsFixture create(Path dir) {
        return create(dir, "localhost", "ip:127.0.0.1,dns:localhost");
    }

    /** A self-signed certificate for {@code commonName} and the subject alternative names {@code san} (keytool's form). */
    static TlsFixture create(Path dir, String commonName, String san) {
        try {
            Files.createDirectories(dir);
            Path serverStore = dir.resolve("server.p12");
            Files.deleteIfExists(serverStore);
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "redis", "-keyalg", "RSA",
                    "-keysize", "2048", "-validity", "2", "-dname", "CN=" + commonName,
                    "-ext", "SAN=" + san, "-storetype", "PKCS12",
                    "-keystore", serverStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
            }
            KeyStore server = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(serverStore)) {
                server.load(in, PASSWORD.toCharArray());
            }
            Certificate cert = server.getCertificate("redis");
            Key key = server.getKey("redis", PASSWORD.toCharArray());
            Path certificate = dir.resolve("redis.crt");
            Path keyFile = dir.resolve("redis.key");
            Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("redis", cert);
            Path truststore = dir.resolve("trust.p12");
            try (OutputStream out = Files.newOutputStream(truststore)) {
                trust.store(out, PASSWORD.toCharArray());
            }
            return new TlsFixture(certificate, keyFile, truststore, PASSWORD);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
