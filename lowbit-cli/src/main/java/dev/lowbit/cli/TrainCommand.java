package dev.lowbit.cli;

import dev.lowbit.onnx.ModelIO;
import dev.lowbit.qat.QatTrainer;
import dev.lowbit.qat.TrainConfig;
import dev.lowbit.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowbit train CONFIG.yaml}: quantization-aware (or float) fine-tuning; see {@link dev.lowbit.qat}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Quantization-aware training from a YAML config: checkpoints every epoch, then a QDQ export.")
public final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "The training config (YAML), e.g. examples/qat_resnet_w4a4.yaml.")
    Path configFile;

    @Option(names = "--resume", description = "Continue from CHECKPOINT_DIR/last.onnx when it exists.")
    boolean resume;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config setting (repeatable), e.g. --set lr=3e-4 --set augment.flip=false.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print the per-epoch results as JSON at the end (instead of a line per epoch).")
    boolean json;

    @Override
    public Integer call() {
        TrainConfig c = TrainConfig.load(configFile, overrides);
        Checks.outputFolder("checkpoint_dir", c.checkpointDir()); // before training, not after the first epoch
        long t0 = System.nanoTime();
        QatTrainer trainer = QatTrainer.fromConfig(c);
        System.err.printf("prepared in %.1f s%s%n", (System.nanoTime() - t0) / 1e9, trainer.ptq() == null ? ""
                : String.format(" (PTQ %s, %d activation quantizers)", trainer.ptq().method(), trainer.activationScales().size()));
        Path last = c.checkpointDir().resolve("last.onnx");
        if (resume && Files.exists(last)) {
            trainer.resume(ModelIO.load(last));
            System.err.println("resumed from " + last + " after epoch " + trainer.epochsDone());
        }
        List<QatTrainer.EpochResult> results = trainer.train(new QatTrainer.Listener() {
            Progress progress;
            double lossSum;
            long count;

            @Override
            public void epochStart(int epoch, int epochs, long steps) {
                progress = Progress.stderr("epoch " + epoch + "/" + epochs, steps, "steps");
                lossSum = 0;
                count = 0;
            }

            @Override
            public void step(int epoch, long step, long steps, double loss, double trainTop1, double lr) {
                lossSum += loss;
                count++;
                progress.detail(String.format(Locale.ROOT, "loss %.4f  train top-1 %.2f%%  lr %.3g",
                        lossSum / count, 100 * trainTop1, lr));
                progress.step();
                if (step % 50 == 0) {
                    System.err.printf("  step %d/%d  loss %.4f (mean %.4f)  lr %.3g%n", step, steps, loss, lossSum / count, lr);
                }
            }

            @Override
            public void epochEnd(QatTrainer.EpochResult r) {
                progress.done();
                if (json) {
                    return;
                }
                System.out.printf("epoch %d: %d steps, train loss %.4f, train top-1 %.2f%%, test top-1 float %.2f%% "
                                + "quantized %s, %.1f s (%.3f s/step) -> %s%n", r.epoch(), r.steps(), r.trainLoss(),
                        100 * r.trainTop1(), 100 * r.floatTop1(),
                        Double.isNaN(r.quantTop1()) ? "-" : String.format("%.2f%%", 100 * r.quantTop1()), r.seconds(),
                        r.seconds() / r.steps(), r.checkpoint());
            }
        });
        if (json) {
            List<Object> epochs = new ArrayList<>();
            for (QatTrainer.EpochResult r : results) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("epoch", r.epoch());
                e.put("steps", r.steps());
                e.put("train_loss", r.trainLoss());
                e.put("train_top1", 100 * r.trainTop1());
                e.put("float_top1", 100 * r.floatTop1());
                e.put("quantized_top1", Double.isNaN(r.quantTop1()) ? null : 100 * r.quantTop1());
                e.put("seconds", r.seconds());
                e.put("checkpoint", r.checkpoint().toString());
                epochs.add(e);
            }
            System.out.println(Json.write(Map.of("epochs", epochs, "output", c.output().toString())));
            return 0;
        }
        System.out.println("wrote " + c.output());
        return 0;
    }
}
