package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import com.sun.management.ThreadMXBean;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.tensor.Tensor;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A warmed-up engine run allocates almost nothing: its activations come from the executor's
 * buffer pool and its Vector API code is intrinsified. A kernel whose vectors C2 failed to
 * intrinsify boxes every vector operation (a FloatVector object per fma), which shows up here as
 * megabytes per run; that is how MobileNetV2 ran 1.6x slower in one JVM launch in three, when a
 * second float species (half-width vectors in one conv tile) made the JDK's shared vector call
 * sites polymorphic. The check runs in a fresh JVM so that the profile is the product's, not the
 * test suite's, with the three test models warmed up in turn like a program that runs several.
 */
class SteadyStateAllocationTest {
    /**
     * Bytes per run above which a run counts as allocating: bookkeeping (tensor headers, shape
     * arrays, small vectors) is 16-80 KB per batch-8 run; one model's activations are megabytes.
     */
    static final long LIMIT_BYTES_PER_RUN = 1024 * 1024;
    static final String[] MODELS = {"mbv2_fmnist", "resnet_fmnist", "tiny_transformer"};

    @Test
    void warmedUpRunsAllocateAlmostNothingInAFreshJvm() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g", "-cp", cp,
                SteadyStateAllocationTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, p.exitValue(), out);
        for (String model : MODELS) {
            String line = out.lines().filter(l -> l.startsWith(model + " ")).findFirst().orElse(null);
            assertTrue(line != null, "no result for " + model + ":\n" + out);
            long bytes = Long.parseLong(line.split(" ")[1]);
            assertTrue(bytes < LIMIT_BYTES_PER_RUN, model + " allocates " + bytes
                    + " bytes per warmed-up run (boxed vectors or buffers not recycled):\n" + out);
        }
    }

    /** Child JVM: warms the models up in turn, then prints "MODEL BYTES_PER_RUN" for each. */
    public static void main(String[] args) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<JavaEngine> engines = new ArrayList<>();
        List<Map<String, Tensor>> feeds = new ArrayList<>();
        for (String m : MODELS) {
            JavaEngine e = new JavaEngine(ModelIO.load(TestResources.of("models/" + m + ".onnx")), 2);
            engines.add(e);
            feeds.add(RandomInputs.generate(e.inputs(), 8, Map.of(), 1));
        }
        for (int round = 0; round < 3; round++) { // interleaved, so every kernel's profile sees every model
            for (int i = 0; i < engines.size(); i++) {
                for (int r = 0; r < 100; r++) {
                    engines.get(i).run(feeds.get(i));
                }
            }
        }
        int runs = 20;
        for (int i = 0; i < engines.size(); i++) {
            long before = mx.getTotalThreadAllocatedBytes();
            for (int r = 0; r < runs; r++) {
                engines.get(i).run(feeds.get(i));
            }
            long perRun = (mx.getTotalThreadAllocatedBytes() - before) / runs;
            System.out.println(MODELS[i] + " " + perRun);
        }
        engines.forEach(JavaEngine::close);
    }
}
