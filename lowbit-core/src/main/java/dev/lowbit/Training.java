package dev.lowbit;

import dev.lowbit.onnx.ModelIO;
import dev.lowbit.qat.QatTrainer;
import dev.lowbit.qat.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@link Lowbit#train}: the trainer lowbit's {@code train} command builds, run with a listener. */
final class Training {
    private Training() {
    }

    static TrainingResult run(TrainingConfig config, TrainingListener listener) {
        TrainConfig c = config.internal();
        if (Files.exists(c.checkpointDir()) && !Files.isDirectory(c.checkpointDir())) {
            throw new LowbitException(c.checkpointDir() + ": the checkpoint folder is a file");
        }
        QatTrainer trainer = QatTrainer.fromConfig(c);
        Path last = c.checkpointDir().resolve("last.onnx");
        if (config.resume() && Files.exists(last)) {
            trainer.resume(ModelIO.load(last));
        }
        List<QatTrainer.EpochResult> epochs = trainer.train(new QatTrainer.Listener() {
            @Override
            public void epochStart(int epoch, int total, long steps) {
                listener.epochStart(epoch, total, steps);
            }

            @Override
            public void step(int epoch, long step, long steps, double loss, double trainTop1, double lr) {
                listener.step(epoch, step, steps, loss, trainTop1, lr);
            }

            @Override
            public void epochEnd(QatTrainer.EpochResult r) {
                listener.epochEnd(summary(r));
            }
        });
        return new TrainingResult(epochs.stream().map(Training::summary).toList(), c.output());
    }

    private static EpochSummary summary(QatTrainer.EpochResult r) {
        return new EpochSummary(r.epoch(), r.steps(), r.trainLoss(), r.trainTop1(), r.floatTop1(), r.quantTop1(),
                r.seconds(), r.checkpoint());
    }
}
