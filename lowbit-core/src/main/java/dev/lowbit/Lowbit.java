package dev.lowbit;

import dev.lowbit.engine.Engines;
import java.nio.file.Path;
import java.util.List;

/**
 * lowbit's entry point. Load a float ONNX model, quantize it, check it, and train it:
 *
 * <pre>{@code
 * OnnxModel model = Lowbit.load(Path.of("model.onnx"));
 * QuantizeResult q = model.quantize(QuantizeOptions.builder()
 *         .calibrationData(DataSource.of(Path.of("calib-images-idx3-ubyte.gz")))
 *         .output(Path.of("model.int8.onnx"))
 *         .build());
 * Evaluation e = Lowbit.load(q.output()).evaluate(DataSource.of(Path.of("t10k-images-idx3-ubyte.gz")));
 * }</pre>
 *
 * Every operation reports a bad model, bad data or a bad setting as a {@link LowbitException} with
 * a one-line message that names the file or setting concerned.
 */
public final class Lowbit {
    private Lowbit() {
    }

    /**
     * Loads and checks an ONNX model file (external tensor data beside it is read too): every value
     * defined once, no cycles, inputs and element types as the ONNX specification allows, external
     * data inside the model's folder.
     *
     * @param file the {@code .onnx} file
     * @return the model
     * @throws LowbitException for a missing, corrupt or invalid model, naming the file
     */
    public static OnnxModel load(Path file) {
        return OnnxModel.load(file);
    }

    /**
     * The engines that can run models here, by the names {@link EvalOptions.Builder#engine} takes:
     * {@code java} (lowbit's own) always, {@code onnxruntime} when
     * {@code dev.lowbit:lowbit-onnxruntime} is on the class path.
     *
     * @return the engine names, {@code java} first
     */
    public static List<String> engines() {
        return Engines.available();
    }

    /**
     * Trains as {@code config} says (see {@link TrainingConfig}), writing a checkpoint each epoch
     * and the final model to {@link TrainingConfig#output()}.
     *
     * @param config   what to train and how
     * @param listener who hears of epochs and steps
     * @return one summary per epoch, and the final model's file
     * @throws LowbitException for a bad model, bad data or a checkpoint that does not fit
     */
    public static TrainingResult train(TrainingConfig config, TrainingListener listener) {
        return Training.run(config, listener);
    }

    /**
     * {@link #train(TrainingConfig, TrainingListener)} without a listener.
     *
     * @param config what to train and how
     * @return one summary per epoch, and the final model's file
     */
    public static TrainingResult train(TrainingConfig config) {
        return Training.run(config, new TrainingListener() {
        });
    }
}
