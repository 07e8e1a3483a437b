package dev.lowbit.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * A named engine another jar contributes, found with {@link java.util.ServiceLoader}: lowbit-core
 * knows only its own {@link JavaEngine}; {@code dev.lowbit:lowbit-onnxruntime} registers ONNX
 * Runtime as {@code onnxruntime} in {@code META-INF/services/dev.lowbit.engine.EngineProvider}.
 */
public interface EngineProvider {
    /** The name {@link Engines#open} is asked for, e.g. {@code onnxruntime}. */
    String name();

    /** Other names accepted for this engine (e.g. {@code ort}); none by default. */
    default List<String> aliases() {
        return List.of();
    }

    /** Opens {@code model}; {@code threads > 0} sets the thread count, 0 keeps the engine's default. */
    Engine open(Path model, int threads);
}
