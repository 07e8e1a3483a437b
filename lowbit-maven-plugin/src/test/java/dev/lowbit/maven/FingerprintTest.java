package dev.lowbit.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    @Test
    void sameInputsGiveTheSameFingerprint() throws IOException {
        Path model = file("m.onnx", "model bytes");
        String a = new Fingerprint().add("plugin", "1.0").addPath("model", model).hex();
        String b = new Fingerprint().add("plugin", "1.0").addPath("model", model).hex();
        assertEquals(a, b);
        assertEquals(64, a.length());
    }

    @Test
    void oneChangedByteChangesIt() throws IOException {
        Path model = file("m.onnx", "model bytes");
        String before = new Fingerprint().addPath("model", model).hex();
        file("m.onnx", "model byteS");
        assertNotEquals(before, new Fingerprint().addPath("model", model).hex());
    }

    @Test
    void piecesDoNotRunTogether() {
        assertNotEquals(new Fingerprint().add("a", "bc").hex(), new Fingerprint().add("ab", "c").hex());
        assertNotEquals(new Fingerprint().add("x", "ab").add("y", "c").hex(),
                new Fingerprint().add("x", "a").add("y", "bc").hex());
        assertNotEquals(new Fingerprint().add("option", null).hex(), new Fingerprint().add("option", "").hex());
    }

    @Test
    void aMissingFileDiffersFromAnEmptyOne() throws IOException {
        String missing = new Fingerprint().addPath("config", dir.resolve("none.yaml")).hex();
        assertEquals(missing, new Fingerprint().addPath("config", null).hex());
        assertNotEquals(missing, new Fingerprint().addPath("config", file("empty.yaml", "")).hex());
    }

    @Test
    void foldersCountTheirFilesNamesAndContentsWhateverTheOrderTheyWereWrittenIn() throws IOException {
        file("a/shirt/1.png", "one");
        file("a/shoe/2.png", "two");
        file("b/shoe/2.png", "two");
        file("b/shirt/1.png", "one");
        String a = new Fingerprint().addPath("calibrationData", dir.resolve("a")).hex();
        assertEquals(a, new Fingerprint().addPath("calibrationData", dir.resolve("b")).hex());

        Files.move(dir.resolve("b/shoe/2.png"), dir.resolve("b/shoe/3.png"));
        assertNotEquals(a, new Fingerprint().addPath("calibrationData", dir.resolve("b")).hex(), "renamed file");
        file("a/shirt/1.png", "ONE");
        assertNotEquals(a, new Fingerprint().addPath("calibrationData", dir.resolve("a")).hex(), "changed file");
    }

    @Test
    void theStoreSaysUpToDateOnlyForTheSameInputsAndAnUntouchedOutput() throws IOException {
        Path out = file("out/m.int8.onnx", "quantized");
        FingerprintStore store = new FingerprintStore(dir.resolve("target/lowbit/m.int8.onnx.fingerprint"));
        assertFalse(store.isUpToDate("abc", out), "nothing recorded yet");

        store.record("abc", out);
        assertTrue(store.isUpToDate("abc", out));
        assertFalse(store.isUpToDate("abd", out), "other inputs");

        file("out/m.int8.onnx", "replaced by hand");
        assertFalse(store.isUpToDate("abc", out), "output changed since");

        store.record("abc", out);
        Files.delete(out);
        assertFalse(store.isUpToDate("abc", out), "output deleted");

        file("out/m.int8.onnx", "quantized");
        store.record("abc", out);
        store.forget();
        assertFalse(store.isUpToDate("abc", out), "forgotten");
    }
}
