package dev.baton.lock;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The rules for lock names, shared by every backend.
 *
 * <p>A lock name is any non-empty string of at most {@link #MAX_LENGTH} unicode code points that
 * is well-formed UTF-16 (no unpaired surrogates). '/', '.', spaces, control characters and any
 * unicode are all allowed; names are never interpreted as paths.
 *
 * <p>Backends store a name in its {@linkplain #encode(String) encoded} form: one flat token made only
 * of {@code [A-Za-z0-9_.-]} and {@code %XX} escapes of the UTF-8 bytes, never {@code "."} or
 * {@code ".."}. It therefore fits in a single ZooKeeper node name or inside a Redis key, cannot
 * climb out of the lock namespace, and two different names never share an encoding.
 *
 * <p>Thread safety: stateless.
 */
public final class LockNames {

    /** The longest accepted name, in unicode code points. */
    public static final int MAX_LENGTH = 256;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LockNames() {
    }

    /**
     * Checks a lock name and returns it.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if it is empty, longer than {@link #MAX_LENGTH} code points,
     *     or holds an unpaired surrogate; the message says which
     */
    public static String check(String name) {
        Objects.requireNonNull(name, "lock name must not be null");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("lock name must not be empty");
        }
        int codePoints = name.codePointCount(0, name.length());
        if (codePoints > MAX_LENGTH) {
            throw new IllegalArgumentException("lock name is " + codePoints
                    + " code points long; the limit is " + MAX_LENGTH + ": \"" + preview(name) + "\"");
        }
        utf8(name);
        return name;
    }

    /**
     * The storage form of a checked name: unreserved ASCII ({@code A-Z a-z 0-9 _ - .}) stays as it
     * is, every other UTF-8 byte becomes {@code %XX}, and a leading '.' is escaped too, so the result
     * is never {@code "."} or {@code ".."} and never contains '/'.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if the name breaks the rules of {@link #check(String)}
     */
    public static String encode(String name) {
        byte[] bytes = utf8(check(name));
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            boolean unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '-' || (b == '.' && i > 0);
            if (unreserved) {
                out.append((char) b);
            } else {
                out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
            }
        }
        return out.toString();
    }

    /**
     * The inverse of {@link #encode(String)}.
     *
     * @throws IllegalArgumentException if {@code encoded} is not something {@link #encode} produced
     */
    public static String decode(String encoded) {
        Objects.requireNonNull(encoded, "encoded lock name must not be null");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                int hi = Character.digit(encoded.charAt(i + 1), 16);
                int lo = Character.digit(encoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw notEncoded(encoded);
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80 && c != '%' && c != '/') {
                bytes.write(c);
            } else {
                throw notEncoded(encoded);
            }
        }
        try {
            String name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
            if (name.isEmpty() || !encode(name).equals(encoded)) {
                throw notEncoded(encoded);
            }
            return name;
        } catch (CharacterCodingException e) {
            throw notEncoded(encoded);
        }
    }

    private static IllegalArgumentException notEncoded(String encoded) {
        return new IllegalArgumentException("not an encoded lock name: \"" + preview(encoded) + "\"");
    }

    private static byte[] utf8(String name) {
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(name));
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("lock name holds an unpaired surrogate (not valid UTF-16): \""
                    + preview(name) + "\"", e);
        }
    }

    private static String preview(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(40).forEach(cp -> {
            if (Character.isISOControl(cp) || Character.isSurrogate((char) cp)) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return s.codePointCount(0, s.length()) > 40 ? out + "..." : out.toString();
    }
}
