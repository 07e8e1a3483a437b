package dev.lowbit;

import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.ValueInfo;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An ONNX model loaded into lowbit ({@link Lowbit#load}): checked on loading (every value defined,
 * no cycles, element types the ONNX specification allows), ready to quantize, evaluate, compare or
 * save. lowbit never changes it: quantizing reads it and writes a new model.
 */
public final class OnnxModel {
    private final Model model;
    private final Path file;

    private OnnxModel(Model model, Path file) {
        this.model = model;
        this.file = file;
    }

    /** Loads and checks a model file (external tensor data beside it is read too). */
    static OnnxModel load(Path file) {
        return new OnnxModel(ModelIO.load(Objects.requireNonNull(file, "file")), file);
    }

    /** A model made in memory (a quantization result not yet saved, a copy with outputs removed). */
    static OnnxModel of(Model model) {
        return new OnnxModel(model, null);
    }

    /** The model lowbit's internals work on (never handed out: callers copy before changing it). */
    Model internal() {
        return model;
    }

    /**
     * The file the model was loaded from.
     *
     * @return the file, or empty for a model made in memory
     */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * The inputs a caller feeds (initializers excluded), in declaration order.
     *
     * @return the input names
     */
    public List<String> inputNames() {
        return model.graph().runtimeInputs().stream().map(ValueInfo::name).toList();
    }

    /**
     * The graph's outputs, in declaration order.
     *
     * @return the output names
     */
    public List<String> outputNames() {
        return model.graph().outputs().stream().map(ValueInfo::name).toList();
    }

    /**
     * The model's metadata properties, e.g. {@code preprocessing} (which {@link Preprocessing}
     * reads) or {@code lowbit.method} on a model lowbit quantized.
     *
     * @return an unmodifiable copy, in file order
     */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(model.metadata()));
    }

    /**
     * The version of the default ONNX operator set the model imports.
     *
     * @return the opset version
     */
    public int opset() {
        return model.opset();
    }

    /**
     * Quantizes this float model as {@code options} say, writes the result to
     * {@link QuantizeOptions.Builder#output} and reports what was done.
     *
     * @param options what to do (see {@link QuantizeOptions#builder()})
     * @return what was written, and how close to float it is
     * @throws LowbitException for a model or data lowbit cannot quantize, naming the file and the problem
     */
    public QuantizeResult quantize(QuantizeOptions options) {
        return Quantization.run(this, options);
    }

    /**
     * Runs the model over {@code data} in lowbit's engine with the default {@link EvalOptions}:
     * top-1/top-5 for class scores when the data has labels, and every output's statistics.
     *
     * @param data the data, with labels for accuracy
     * @return the evaluation
     */
    public Evaluation evaluate(DataSource data) {
        return evaluate(data, EvalOptions.defaults());
    }

    /**
     * Runs the model over {@code data} in the engine {@code options} name: top-1/top-5 for class
     * scores when the data has labels, and every output's statistics.
     *
     * @param data    the data, with labels for accuracy
     * @param options engine, batch size, samples
     * @return the evaluation
     */
    public Evaluation evaluate(DataSource data, EvalOptions options) {
        return Evaluations.evaluate(this, null, data, options);
    }

    /**
     * {@link #evaluate(DataSource, EvalOptions)}, and every output also compared with the
     * {@code reference} model's (the float original) on the same data: SQNR, cosine and task
     * agreement, whatever the output holds (class scores, embeddings, masks, sequences). The data
     * is read as the reference model's metadata says.
     *
     * @param reference the model this one was made from
     * @param data      the data
     * @param options   engine (both models run in it), batch size, samples
     * @return the evaluation, with {@link Evaluation#vsReference()} filled
     */
    public Evaluation evaluateAgainst(OnnxModel reference, DataSource data, EvalOptions options) {
        return Evaluations.evaluate(this, Objects.requireNonNull(reference, "reference"), data, options);
    }

    /**
     * Compares this float model with a quantized version of it on the same data: SQNR, cosine and
     * task agreement per output, and with {@link EvalOptions.Builder#layers} per intermediate
     * tensor both graphs compute.
     *
     * @param quantized the quantized model
     * @param data      the data (labels are not needed)
     * @param options   engine, batch size, samples
     * @return the comparison
     */
    public Comparison compare(OnnxModel quantized, DataSource data, EvalOptions options) {
        return Evaluations.compare(this, Objects.requireNonNull(quantized, "quantized"), data, options);
    }

    /**
     * Writes the model to {@code file} atomically (a temporary file beside it, then a rename): a
     * failure never leaves a partial file.
     *
     * @param file where to write
     * @return the number of bytes written
     * @throws LowbitException when the file cannot be written
     */
    public long save(Path file) {
        return Quantization.save(model, file);
    }

    /** The file name, or the graph name for a model made in memory. */
    @Override
    public String toString() {
        return file != null ? file.toString() : "model '" + model.graph().name() + "'";
    }
}
