package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.testutil.TestResources;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** lowbit-core alone: its own engine opens, ONNX Runtime's is asked for with one clear line. */
class EnginesTest {
    private static final Path MODEL = TestResources.of("models/resnet_fmnist.onnx");

    @Test
    void theJavaEngineIsAlwaysThere() {
        assertEquals(List.of("java"), Engines.available(), "lowbit-core's tests have no engine provider on the class path");
        try (Engine e = Engines.open(MODEL, "java", 1)) {
            assertEquals("java", e.name());
            assertEquals(1, e.inputs().size());
        }
    }

    @Test
    void onnxRuntimeWithoutItsModuleSaysWhichJarIsMissing() {
        for (String name : List.of("onnxruntime", "ort")) {
            LowbitException e = assertThrows(LowbitException.class, () -> Engines.open(MODEL, name, 1));
            assertTrue(e.getMessage().contains("dev.lowbit:lowbit-onnxruntime"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Test
    void unknownEngineListsTheAvailableOnes() {
        LowbitException e = assertThrows(LowbitException.class, () -> Engines.open(MODEL, "tvm", 1));
        assertEquals("unknown engine 'tvm' (use java)", e.getMessage());
    }
}
