package dev.lowbit.cli;

import dev.lowbit.engine.Benchmark;
import dev.lowbit.report.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One model of a several-model {@code bench} measured in a child JVM: the same java binary, JVM
 * options and class path as this one, running {@code bench MODEL ... --json}; its progress goes to
 * this process's stderr and its JSON result is read back.
 *
 * <p>Why a JVM per model: in one JVM the models measured later run on code the JIT compiled with
 * the earlier models' profiles (the kernels are shared), which made a quantized MobileNetV2 measured
 * after its float version up to 1.4x slower than measured alone; the ratios between models were then
 * about their order, not about them.
 */
final class ForkedBench {
    private ForkedBench() {
    }

    /** The child's exit code, and on success the items per run and one result per engine. */
    record Outcome(int exitCode, int batch, List<Benchmark.Result> results) {
    }

    static Outcome run(Path model, List<String> benchArguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(benchArguments);
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int code = p.waitFor();
            if (code != 0) {
                return new Outcome(code, 0, List.of());
            }
            return parse(out.strip(), model);
        } catch (IOException e) {
            throw new UncheckedIOException("bench: cannot start a JVM for " + model, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench: interrupted while measuring " + model, e);
        }
    }

    /** The single-model JSON report of {@link BenchCommand}. */
    @SuppressWarnings("unchecked")
    private static Outcome parse(String json, Path model) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(json);
        List<Benchmark.Result> results = new ArrayList<>();
        for (Object o : (List<Object>) m.get("results")) {
            Map<String, Object> r = (Map<String, Object>) o;
            results.add(new Benchmark.Result((String) r.get("engine"), number(r, "medianMs"), number(r, "p90Ms"),
                    number(r, "meanMs"), number(r, "minMs"), number(r, "itemsPerSecond")));
        }
        return new Outcome(0, (int) number(m, "batch"), results);
    }

    private static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
