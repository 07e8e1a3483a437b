package dev.lowbit.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Remembers, in a small text file, the {@link Fingerprint} of the inputs a quantized model was last
 * made from and the SHA-256 of the model written. The model is up to date when both still match:
 * the output's own hash catches a model replaced or truncated by hand since, which the inputs
 * alone would not.
 *
 * <pre>
 * inputs 3f1c...
 * output 9a07...
 * </pre>
 */
final class FingerprintStore {
    private static final String INPUTS = "inputs ";
    private static final String OUTPUT = "output ";

    private final Path file;

    FingerprintStore(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Whether {@code output} exists and was made from inputs with fingerprint {@code inputs}. */
    boolean isUpToDate(String inputs, Path output) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isRegularFile(output)) {
            return false;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return lines.contains(INPUTS + inputs) && lines.contains(OUTPUT + Fingerprint.ofFile(output));
    }

    /** Records that {@code output}, as it is now, was made from inputs with fingerprint {@code inputs}. */
    void record(String inputs, Path output) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, INPUTS + inputs + "\n" + OUTPUT + Fingerprint.ofFile(output) + "\n", StandardCharsets.UTF_8);
    }

    /** Forgets the last run: the output on disk, if any, no longer counts as made from any inputs. */
    void forget() throws IOException {
        Files.deleteIfExists(file);
    }
}
