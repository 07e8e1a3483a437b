package dev.lowbit.onnxruntime;

import dev.lowbit.engine.Engine;
import dev.lowbit.engine.EngineProvider;
import dev.lowbit.engine.Engines;
import java.nio.file.Path;
import java.util.List;

/** Registers {@link OnnxRuntimeEngine} as engine {@code onnxruntime} (alias {@code ort}) for {@link Engines#open}. */
public final class OnnxRuntimeEngineProvider implements EngineProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public OnnxRuntimeEngineProvider() {
    }

    @Override
    public String name() {
        return Engines.ONNXRUNTIME;
    }

    @Override
    public List<String> aliases() {
        return List.of("ort");
    }

    @Override
    public Engine open(Path model, int threads) {
        return OnnxRuntimeEngine.builder().threads(threads).build(model);
    }
}
