package dev.lowbit.cli;

import dev.lowbit.data.DataSettings;
import dev.lowbit.data.Dataset;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.eval.Evaluator;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.qat.QatTrainer;
import dev.lowbit.qat.TrainConfig;
import dev.lowbit.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowbit test CONFIG.yaml CHECKPOINT}: top-1 of a checkpoint on the config's test set in lowbit's
 * engine and in ONNX Runtime. A QDQ checkpoint (last_qdq.onnx, the final export) runs as is; a
 * training-state checkpoint (last.onnx) is exported first, the way {@code lowbit train} exports.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Top-1 of a training checkpoint in lowbit's engine and ONNX Runtime.")
public final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "The training config (YAML).")
    Path configFile;

    @Parameters(index = "1", paramLabel = "CHECKPOINT", description = "A checkpoint or export written by lowbit train.")
    Path checkpoint;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N test samples (default: the config's test_limit).")
    int limit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config setting (repeatable), e.g. --set lr=3e-4 --set augment.flip=false.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TrainConfig c = TrainConfig.load(configFile, overrides);
        Model ckpt = ModelIO.load(checkpoint);
        Path runnable = checkpoint;
        if (ckpt.metadata().containsKey("lowbit.qat.epoch")) {
            QatTrainer t = QatTrainer.fromConfig(c).resume(ckpt);
            runnable = Files.createTempFile("lowbit-test", ".onnx");
            runnable.toFile().deleteOnExit();
            ModelIO.save(t.export(), runnable);
        }
        int n = limit > 0 ? limit : c.testLimit();
        Model original = ModelIO.load(c.model());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("checkpoint", checkpoint.toString());
        for (String engine : new String[] {"java", "onnxruntime"}) {
            try (Dataset ds = DataSettings.NONE.withPreprocess(c.preprocess()).open(c.testData(), original, n);
                 Engine e = Engines.open(runnable, engine, 0)) {
                Evaluator.Result r = Evaluator.evaluate(e, ds, 250, x -> { });
                result.put("samples", r.samples());
                result.put(engine + "_top1", r.top1());
                if (!json) {
                    System.out.printf("%s on %d images (%s): top-1 %.2f%%%n", checkpoint.getFileName(), r.samples(),
                            e.name(), r.top1());
                }
            }
        }
        if (json) {
            System.out.println(Json.write(result));
        }
        return 0;
    }
}
