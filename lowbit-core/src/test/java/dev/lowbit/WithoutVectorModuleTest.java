package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.calib.MinMaxObserver;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.engine.RandomInputs;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.UninitializedArrays;
import dev.lowbit.tensor.kernels.VectorizationProvider;
import dev.lowbit.testutil.TestResources;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lowbit in fresh JVMs launched with and without {@code --add-modules jdk.incubator.vector}: without
 * it, a ResNet still runs and calibrates, on the plain-Java kernels, no class of the Panama package is
 * loaded, and stderr holds one notice line (none when scalar is asked for, or the notice silenced).
 */
class WithoutVectorModuleTest {
    private static final String PANAMA_PACKAGE = "dev.lowbit.tensor.kernels.panama.";

    @TempDir
    Path dir;

    @Test
    void withoutTheModuleOneNoticeAndNoPanamaClass() throws Exception {
        Child c = run(List.of());
        assertEquals("provider scalar, uninitialized arrays false", c.result(), c.toString());
        assertEquals(List.of(VectorizationProvider.NOTICE), c.stderr(), c.toString());
        assertTrue(c.loadedClasses().stream().noneMatch(l -> l.contains(PANAMA_PACKAGE)), c.toString());
        assertTrue(c.loadedClasses().stream().anyMatch(l -> l.contains("dev.lowbit.tensor.kernels.ScalarNormLoops")),
                "the class-load log is not what this test expects: " + c);
    }

    @Test
    void theNoticeCanBeSilencedAndIsNotPrintedWhenScalarIsAskedFor() throws Exception {
        for (String flag : List.of("-Dlowbit.vectorization.quiet=true", "-Dlowbit.vectorization=scalar")) {
            Child c = run(List.of(flag));
            assertEquals("provider scalar, uninitialized arrays false", c.result(), flag + ": " + c);
            assertEquals(List.of(), c.stderr(), flag + ": " + c);
        }
    }

    @Test
    void withTheModuleAndTheExportTheFastPathsAndNoNotice() throws Exception {
        Child c = run(List.of("--add-modules", VectorizationProvider.VECTOR_MODULE,
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
        assertTrue(c.result().matches("provider panama-\\d+, uninitialized arrays true"), c.toString());
        assertEquals(List.of(), c.stderr(), c.toString());
    }

    /** A child JVM's last stdout line, its stderr lines (the JVM's own incubator warning dropped) and class loads. */
    private record Child(String result, List<String> stderr, List<String> loadedClasses) {
        @Override
        public String toString() {
            return "result: " + result + "\nstderr: " + stderr;
        }
    }

    private Child run(List<String> flags) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Path classLog = dir.resolve("classes-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Xlog:class+load=info:file=" + classLog));
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow"); // protobuf's Unsafe warning, as ./lowbit does
        }
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WithoutVectorModuleTest.class.getName()));
        Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        List<String> stderr = Files.readAllLines(err).stream()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(0, p.exitValue(), out + "\n" + stderr);
        List<String> lines = out.lines().toList();
        return new Child(lines.isEmpty() ? "" : lines.get(lines.size() - 1), stderr, Files.readAllLines(classLog));
    }

    /** Child JVM: runs the ResNet fixture on a batch, calibrates a range on its output, prints what it used. */
    public static void main(String[] args) throws Exception {
        try (JavaEngine engine = new JavaEngine(ModelIO.load(TestResources.of("models/resnet_fmnist.onnx")), 2)) {
            Map<String, Tensor> out = engine.run(RandomInputs.generate(engine.inputs(), 4, Map.of(), 1));
            MinMaxObserver observer = MinMaxObserver.perTensor();
            for (Tensor t : out.values()) {
                observer.observe(t);
            }
        }
        VectorizationProvider.get(); // a second use: still one notice
        System.out.println("provider " + VectorizationProvider.get().name() + ", uninitialized arrays "
                + UninitializedArrays.available());
    }
}
