package dev.lowbit.engine;

import dev.lowbit.LowbitException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens an {@link Engine} by name: {@code java} is lowbit's own engine; other names come from
 * {@link EngineProvider}s on the class path ({@code onnxruntime} from
 * {@code dev.lowbit:lowbit-onnxruntime}).
 */
public final class Engines {
    /** The engine lowbit ships in its core jar. */
    public static final String JAVA = "java";
    /** ONNX Runtime's engine name; present when {@code dev.lowbit:lowbit-onnxruntime} is. */
    public static final String ONNXRUNTIME = "onnxruntime";
    /** The engine names lowbit knows of ({@link #available()} says which can be opened here). */
    public static final List<String> NAMES = List.of(JAVA, ONNXRUNTIME);

    private Engines() {
    }

    /**
     * Opens {@code model} with engine {@code name} ({@code java}, {@code onnxruntime} or another
     * provider's name); {@code threads > 0} sets the thread count, 0 keeps the engine's default.
     *
     * @throws LowbitException for an unknown name, or a known one whose jar is not on the class path
     */
    public static Engine open(Path model, String name, int threads) {
        if (name.equals(JAVA)) {
            return JavaEngine.open(model, threads);
        }
        return provider(name).open(model, threads);
    }

    /** The names that can be opened with the jars on the class path, {@code java} first. */
    public static List<String> available() {
        List<String> names = new ArrayList<>(List.of(JAVA));
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader())) {
            names.add(p.name());
        }
        return names;
    }

    /** The provider called {@code name} (or one of its aliases). */
    static EngineProvider provider(String name) {
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader())) {
            if (p.name().equals(name) || p.aliases().contains(name)) {
                return p;
            }
        }
        if (name.equals(ONNXRUNTIME) || name.equals("ort")) {
            throw new LowbitException("engine 'onnxruntime' needs dev.lowbit:lowbit-onnxruntime on the class path "
                    + "(add that dependency, or use engine 'java')");
        }
        throw new LowbitException("unknown engine '" + name + "' (use " + String.join(" or ", available()) + ")");
    }
}
