package dev.lowbit.eval;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.engine.Engine;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Compares a float model with its quantized version on the same data, with lowbit's engine: per
 * output top-1 agreement, SQNR and cosine similarity; with {@code layers}, the same for every
 * intermediate tensor that both graphs compute under the same name (the quantized graph keeps the
 * float tensor names of the values it quantizes).
 */
public final class ModelComparison {
    /**
     * One compared tensor: SQNR and cosine over all its values, the mean of each sample's cosine,
     * and by its {@link OutputKind} (NaN otherwise): top-1 agreement (%) of class scores, the mean
     * IoU of probability maps thresholded at the comparison's mask threshold, the percentage of
     * sequences whose greedy CTC decodes are equal. A transformer's token output [N, T, D] also
     * gets a row "NAME (mean-pooled)": its attention-masked sentence embeddings.
     */
    public record Row(String tensor, String producer, double sqnrDb, double cosine, double maxAbsError,
                      double top1Agreement, double meanSampleCosine, double minSampleCosine, double maskIou,
                      double decodeAgreement) {
    }

    /** Probability maps are compared as masks of the values above this (DB text detectors binarise at 0.3). */
    public static final double DEFAULT_MASK_THRESHOLD = 0.5;

    /** Runs a model on feeds, keeping the named intermediate values too. */
    @FunctionalInterface
    interface Runner {
        Map<String, Tensor> run(Map<String, Tensor> feeds, Set<String> keep);
    }

    /** Outputs first, then layers in the float graph's execution order. */
    public record Result(List<Row> outputs, List<Row> layers, long samples) {
    }

    private ModelComparison() {
    }

    public static Result compare(Model floatModel, Model quantModel, Dataset data, int batchSize, boolean layers,
                                 LongConsumer progress) {
        return compare(floatModel, quantModel, DEFAULT_MASK_THRESHOLD, data, batchSize, layers, progress);
    }

    /** {@link #compare(Model, Model, Dataset, int, boolean, LongConsumer)} with probability maps thresholded at {@code maskThreshold}. */
    public static Result compare(Model floatModel, Model quantModel, double maskThreshold, Dataset data, int batchSize,
                                 boolean layers, LongConsumer progress) {
        Executor fe = new Executor(floatModel);
        Executor qe = new Executor(quantModel);
        List<String> fin = fe.inputs().stream().map(dev.lowbit.onnx.ValueInfo::name).toList();
        List<String> qin = qe.inputs().stream().map(dev.lowbit.onnx.ValueInfo::name).toList();
        if (!new java.util.HashSet<>(fin).equals(new java.util.HashSet<>(qin))) {
            throw new LowbitException("the models have different inputs: " + fin + " and " + qin);
        }
        Map<String, String> producers = new LinkedHashMap<>();
        Set<String> common = new LinkedHashSet<>();
        if (layers) {
            Set<String> quantValues = new java.util.HashSet<>();
            quantModel.graph().nodes().forEach(n -> quantValues.addAll(n.outputs()));
            for (Node n : floatModel.graph().topologicalOrder()) {
                for (String o : n.outputs()) {
                    if (!o.isEmpty() && quantValues.contains(o)) {
                        common.add(o);
                        producers.put(o, n.opType() + " " + (n.name().isEmpty() ? o : n.name()));
                    }
                }
            }
        }
        List<String> outputs = floatModel.graph().outputs().stream().map(v -> v.name()).toList();
        List<String> qOutputs = quantModel.graph().outputs().stream().map(v -> v.name()).toList();
        return compare(fin, outputs, (x, keep) -> fe.run(x, null, keep),
                (x, keep) -> byFloatNames(qe.run(x, null, keep), outputs, qOutputs), data,
                batchSize, common, producers, OutputKind.of(floatModel), maskThreshold, progress);
    }

    /**
     * Compares the outputs of two engines (lowbit's or ONNX Runtime, e.g. the float model in one and
     * the quantized model in the other) on the same data.
     */
    public static Result compare(Engine floatEngine, Engine quantEngine, Dataset data, int batchSize, LongConsumer progress) {
        return compare(floatEngine, quantEngine, null, DEFAULT_MASK_THRESHOLD, data, batchSize, progress);
    }

    /**
     * {@link #compare(Engine, Engine, Dataset, int, LongConsumer)} judging each output by its kind
     * ({@link OutputKind#of(Model)} of the float model; null = every [N, C] output is class scores),
     * probability maps thresholded at {@code maskThreshold}.
     */
    public static Result compare(Engine floatEngine, Engine quantEngine, Map<String, OutputKind> kinds, double maskThreshold,
                                 Dataset data, int batchSize, LongConsumer progress) {
        List<String> fin = floatEngine.inputNames();
        if (!new java.util.HashSet<>(fin).equals(new java.util.HashSet<>(quantEngine.inputNames()))) {
            throw new LowbitException("the models have different inputs: " + fin + " and " + quantEngine.inputNames());
        }
        List<String> fout = floatEngine.outputNames();
        List<String> qout = quantEngine.outputNames();
        return compare(fin, fout, (x, keep) -> floatEngine.run(x), (x, keep) -> byFloatNames(quantEngine.run(x), fout, qout),
                data, batchSize, Set.of(), Map.of(), kinds, maskThreshold, progress);
    }

    /**
     * The quantized model's outputs under the float model's names: by name, or by position when a
     * converter renamed them (ONNX Runtime's quantizer wrote MiniLM's output_0 as last_hidden_state).
     */
    static Map<String, Tensor> byFloatNames(Map<String, Tensor> q, List<String> floatNames, List<String> quantNames) {
        Map<String, Tensor> out = new LinkedHashMap<>(q);
        for (int i = 0; i < floatNames.size() && i < quantNames.size(); i++) {
            if (!q.containsKey(floatNames.get(i))) {
                out.put(floatNames.get(i), q.get(quantNames.get(i)));
            }
        }
        return out;
    }

    private static Result compare(List<String> inputs, List<String> outputs, Runner fe, Runner qe, Dataset data,
                                  int batchSize, Set<String> common, Map<String, String> producers,
                                  Map<String, OutputKind> kinds, double maskThreshold, LongConsumer progress) {
        OutputAgreement outAgree = new OutputAgreement(outputs, kinds, maskThreshold);
        Map<String, Agreement> layerAgree = new LinkedHashMap<>();
        common.forEach(o -> layerAgree.put(o, new Agreement()));
        long samples = 0;
        Iterator<Batch> it = data.batches(batchSize);
        while (it.hasNext()) {
            Batch b = it.next();
            Map<String, Tensor> x = b.feeds(inputs);
            Map<String, Tensor> f = fe.run(x, common);
            Map<String, Tensor> q = qe.run(x, common);
            outAgree.add(x, f, q, b.size());
            for (String o : common) {
                OutputAgreement.add(layerAgree.get(o), f.get(o), q.get(o), OutputKind.OTHER, maskThreshold);
            }
            samples += b.size();
            if (progress != null) {
                progress.accept(samples);
            }
        }
        return new Result(outAgree.rows(), rows(layerAgree, producers), samples);
    }

    /** Suffix of the row of an output's attention-masked mean-pooled sentence embeddings. */
    public static final String POOLED = " (mean-pooled)";

    static List<Row> rows(Map<String, Agreement> m, Map<String, String> producers) {
        return m.entrySet().stream().filter(e -> e.getValue().elements() > 0)
                .map(e -> new Row(e.getKey(), producers.getOrDefault(e.getKey(), "output"), e.getValue().sqnrDb(),
                        e.getValue().cosine(), e.getValue().maxAbsError(), e.getValue().top1Agreement(),
                        e.getValue().meanSampleCosine(), e.getValue().minSampleCosine(), e.getValue().meanMaskIou(),
                        e.getValue().decodeAgreement()))
                .toList();
    }
}
