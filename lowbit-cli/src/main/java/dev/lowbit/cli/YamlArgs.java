package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Turns a YAML config into command-line arguments, so a config file mirrors the flags exactly:
 * {@code weights: 4} becomes {@code --weights 4}, {@code per-channel: true} becomes
 * {@code --per-channel}, lists become comma-separated values, and {@code model: m.onnx} names the
 * positional model. The config's arguments go first, so flags given on the command line win.
 */
public final class YamlArgs {
    private YamlArgs() {
    }

    /** Reads {@code file} and returns the equivalent arguments (positional keys listed in {@code positional}). */
    public static List<String> read(Path file, List<String> positional) {
        Object root = dev.lowbit.qat.TrainConfig.readYaml(file);
        if (root == null) {
            return List.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new LowbitException(file + ": expected a mapping of option names to values at the top level");
        }
        List<String> pos = new ArrayList<>();
        List<String> args = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (positional.contains(key)) {
                pos.add(scalar(file, key, v));
                continue;
            }
            String flag = "--" + key;
            if (v instanceof Boolean b) {
                // false spells the negated flag (--no-per-channel), true the flag itself.
                args.add(b ? flag : "--no-" + key);
            } else if (v instanceof Collection<?> c) {
                List<String> parts = new ArrayList<>();
                for (Object o : c) {
                    parts.add(scalar(file, key, o));
                }
                args.add(flag);
                args.add(String.join(",", parts));
            } else if (v != null) {
                args.add(flag);
                args.add(scalar(file, key, v));
            }
        }
        pos.addAll(args);
        return pos;
    }

    private static String scalar(Path file, String key, Object v) {
        if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            throw new LowbitException(file + ": '" + key + "' must be a single value");
        }
        return String.valueOf(v);
    }
}
