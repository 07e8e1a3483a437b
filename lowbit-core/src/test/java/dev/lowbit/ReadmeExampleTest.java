package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use from Java" program, taken from README.md as it stands: compiled with the
 * system Java compiler against lowbit-core alone (no ONNX Runtime), run on the ResNet-style test
 * model and 512 Fashion-MNIST calibration images, and its output checked by number: the file
 * loads, and its top-1 on 1,000 test images is within one point of the float model's.
 */
class ReadmeExampleTest {
    private static final Path README = Path.of("../README.md");
    private static final Pattern SECTION = Pattern.compile("(?s)\\n## Use from Java\\n(.*?)(?:\\n## |\\z)");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\\n(.*?)```");

    @TempDir
    Path dir;

    /** The first Java code block of the README's "Use from Java" section. */
    static String example() throws IOException {
        Matcher section = SECTION.matcher(Files.readString(README));
        assertTrue(section.find(), "README.md has no \"## Use from Java\" section");
        Matcher block = JAVA_BLOCK.matcher(section.group(1));
        assertTrue(block.find(), "the \"Use from Java\" section has no ```java block");
        return block.group(1);
    }

    @Test
    void theExampleIsOneSmallProgramThatUsesOnlyTheApi() throws IOException {
        String code = example();
        List<String> lines = code.lines().toList();
        assertTrue(lines.size() <= 30, "the example has " + lines.size() + " lines");
        assertTrue(code.contains("public class QuantizeExample") && code.contains("public static void main(String[] args)"),
                code);
        for (String line : lines) {
            if (line.startsWith("import ")) {
                assertTrue(line.matches("import (dev\\.lowbit\\.[A-Z]\\w*|java\\.[\\w.]+);"),
                        "imports only the API package and the JDK: " + line);
            }
        }
        assertFalse(code.contains("onnxruntime."), "no ONNX Runtime in the example");
    }

    @Test
    void theExampleCompilesRunsAndKeepsTop1WithinOnePoint() throws Exception {
        Path src = dir.resolve("src/QuantizeExample.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, example());
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests need a JDK (a compiler), not a JRE");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-classpath", classPath(),
                "-Xlint:all", "-Werror", src.toString());
        assertEquals(0, rc, "javac: " + diagnostics.toString(StandardCharsets.UTF_8));

        Path model = TestResources.of("models/resnet_fmnist.onnx");
        Path calib = TestResources.of("fmnist/calib512-images-idx3-ubyte.gz");
        Path out = dir.resolve("resnet.int8.onnx");
        String printed = runMain(classes, model.toString(), calib.toString(), out.toString());
        assertTrue(printed.contains("calibrated on 512 samples"), printed);
        assertTrue(printed.contains("cosine"), printed);

        assertTrue(Files.size(out) > 0 && Files.size(out) < Files.size(model) / 2, "an int8 file: " + Files.size(out));
        OnnxModel int8 = Lowbit.load(out);
        assertEquals("minmax", int8.metadata().get("lowbit.method"));
        DataSource test = DataSource.of(TestResources.of("fmnist/t1000-images-idx3-ubyte.gz"));
        Accuracy fp32 = Lowbit.load(model).evaluate(test).accuracy().orElseThrow();
        Accuracy q = int8.evaluate(test).accuracy().orElseThrow();
        assertEquals(1000, q.samples());
        assertTrue(fp32.top1() > 0.85, "fp32 top-1 " + fp32.top1());
        assertTrue(fp32.top1Percent() - q.top1Percent() <= 1.0,
                "int8 top-1 " + q.top1Percent() + "% vs fp32 " + fp32.top1Percent() + "%");
    }

    /** lowbit-core's classes (the API) and the rest of the test class path. */
    private static String classPath() throws URISyntaxException {
        String api = Path.of(Lowbit.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        return api + File.pathSeparator + System.getProperty("java.class.path");
    }

    /** Runs {@code QuantizeExample.main(args)} and returns what it printed. */
    private static String runMain(Path classes, String... args) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass("QuantizeExample").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) args);
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }
}
