package dev.lowbit.engine;

import dev.lowbit.LowbitException;
import java.nio.file.Path;
import java.util.List;

/** Opens an {@link Engine} by name. */
public final class Engines {
    /** The engine names {@link #open} accepts. */
    public static final List<String> NAMES = List.of("java", "onnxruntime");

    private Engines() {
    }

    /**
     * Opens {@code model} with engine {@code name} ({@code java} or {@code onnxruntime});
     * {@code threads > 0} sets the thread count, 0 keeps the engine's default.
     */
    public static Engine open(Path model, String name, int threads) {
        return switch (name) {
            case "java" -> JavaEngine.open(model, threads);
            case "onnxruntime", "ort" -> OnnxRuntimeEngine.builder().threads(threads).build(model);
            default -> throw new LowbitException("unknown engine '" + name + "' (use " + String.join(" or ", NAMES) + ")");
        };
    }
}
