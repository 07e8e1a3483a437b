package dev.lowbit.maven;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A SHA-256 over everything a quantized model is made from: named text values and the bytes of
 * files and folders. Every piece is added with its name and length, so that two different sets of
 * inputs cannot run together into the same byte stream ("ab" + "c" and "a" + "bc" differ).
 * Folders contribute each regular file under them, in the order of their relative paths written
 * with '/', so the result is the same on every operating system and file system.
 */
final class Fingerprint {
    private static final int BUFFER = 1 << 16;

    private final MessageDigest digest = sha256();

    /** Adds a named text value; {@code null} is recorded as absent, distinct from the empty string. */
    Fingerprint add(String name, String value) {
        field(name);
        if (value == null) {
            update(new byte[] {0});
        } else {
            update(new byte[] {1});
            chunk(value.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    /**
     * Adds the contents of {@code path} under {@code name}: a file's bytes, a folder's files
     * (relative path and bytes of each), or a marker when the path is {@code null} or does not exist.
     */
    Fingerprint addPath(String name, Path path) {
        field(name);
        if (path == null || !Files.exists(path)) {
            update(new byte[] {0});
        } else if (Files.isDirectory(path)) {
            update(new byte[] {2});
            for (Path file : filesUnder(path)) {
                chunk(relativeName(path, file).getBytes(StandardCharsets.UTF_8));
                fileBytes(file);
            }
        } else {
            update(new byte[] {1});
            fileBytes(path);
        }
        return this;
    }

    /** The fingerprint so far, as 64 lower-case hex digits. */
    String hex() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable on every JDK", e);
        }
    }

    /** The SHA-256 of one file's bytes, as hex. */
    static String ofFile(Path file) {
        MessageDigest d = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private void field(String name) {
        chunk(name.getBytes(StandardCharsets.UTF_8));
    }

    /** Length-prefixed bytes. */
    private void chunk(byte[] bytes) {
        update(ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
        update(bytes);
    }

    /** Length-prefixed file contents, streamed (calibration folders can be large). */
    private void fileBytes(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            update(ByteBuffer.allocate(Long.BYTES).putLong(Files.size(file)).array());
            byte[] buf = new byte[BUFFER];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void update(byte[] bytes) {
        digest.update(bytes);
    }

    private static List<Path> filesUnder(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile)
                    .sorted((a, b) -> relativeName(folder, a).compareTo(relativeName(folder, b)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String relativeName(Path folder, Path file) {
        return folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
