package dev.lowbit.cli;

import dev.lowbit.data.TensorFiles;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowbit run MODEL --inputs DIR --outputs DIR}: one inference from tensor files to tensor files. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a model on input tensor files (NAME.npy or input_N.pb) and write its outputs.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model file.")
    Path model;

    @Option(names = "--inputs", required = true, paramLabel = "DIR",
            description = "Folder with one NAME.npy per model input, or input_N.pb TensorProto files; or a .npz archive.")
    Path inputs;

    @Option(names = "--outputs", required = true, paramLabel = "DIR",
            description = "Folder to write the outputs to (created; written all-or-nothing).")
    Path outputs;

    @Option(names = "--engine", defaultValue = "java", paramLabel = "NAME",
            description = "Engine: java or onnxruntime (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--format", defaultValue = "npy", paramLabel = "FMT",
            description = "Output file format: npy (NAME.npy) or pb (output_N.pb) (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Threads the engine may use (0 = all cores).")
    int threads;

    @Option(names = "--json", description = "Print what was written as JSON.")
    boolean json;

    @Override
    public Integer call() {
        TensorFiles.Format fmt = TensorFiles.Format.parse(format);
        if (threads < 0) {
            throw new dev.lowbit.LowbitException("--threads must be >= 0, got " + threads);
        }
        Map<String, Tensor> result;
        long nanos;
        try (Engine e = Engines.open(model, engine, threads)) {
            // Read and check every input before running, so a wrong file fails fast and names itself.
            Map<String, Tensor> feed = TensorFiles.readInputs(inputs, e.inputs());
            long t0 = System.nanoTime();
            result = e.run(feed);
            nanos = System.nanoTime() - t0;
        }
        List<Path> files = TensorFiles.writeOutputs(outputs, result, fmt);
        List<Map<String, Object>> rows = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Tensor> en : result.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", en.getKey());
            row.put("type", en.getValue().dtype().onnxName());
            row.put("shape", en.getValue().shape());
            row.put("file", files.get(i++).toString());
            rows.add(row);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("engine", engine);
            m.put("runMillis", nanos / 1e6);
            m.put("outputs", rows);
            System.out.println(Json.write(m));
        } else {
            for (Map<String, Object> row : rows) {
                System.out.printf("%s  %s%s  -> %s%n", row.get("name"), row.get("type"),
                        Arrays.toString((int[]) row.get("shape")).replace(" ", ""), row.get("file"));
            }
            System.out.printf("ran %s with %s in %.1f ms%n", model.getFileName(), engine, nanos / 1e6);
        }
        return 0;
    }
}
