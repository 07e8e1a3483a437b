package dev.lowbit.report;

import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.eval.Agreement;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-tensor SQNR of a quantized model against its float model on a few batches, via
 * {@link ModelComparison}. The QDQ graph keeps a quantized activation's float name on the value
 * <em>before</em> its QuantizeLinear; to measure the tensor the next layer actually reads, a copy
 * of the quantized graph is renamed so that the DequantizeLinear output carries the float name.
 * Quantized graph inputs have no producer to compare, so their SQNR is the fake-quantized data's.
 */
final class LayerSqnr {
    /** SQNR (dB) by float tensor name, the model outputs' rows, and how many samples were compared. */
    record Result(Map<String, Double> byTensor, List<ModelComparison.Row> outputs, long samples) {
        static Result empty() {
            return new Result(Map.of(), List.of(), 0);
        }
    }

    private static final String PRE_QUANT_SUFFIX = "__lowbit_prequant";

    private LayerSqnr() {
    }

    static Result measure(PtqResult r, Dataset data, int samples, int batch) {
        Dataset head = Datasets.head(data, samples, batch);
        if (head.size() == 0) {
            return Result.empty();
        }
        Model q = r.quantized().copy();
        List<String> inputs = new ArrayList<>();
        for (String a : r.plan().activations()) {
            if (isGraphInput(q.graph(), a)) {
                inputs.add(a);
            } else {
                exposeDequantized(q.graph(), a);
            }
        }
        ModelComparison.Result cmp = ModelComparison.compare(r.prepared(), q, head, batch, true, null);
        Map<String, Double> sqnr = new HashMap<>();
        cmp.layers().forEach(row -> sqnr.put(row.tensor(), row.sqnrDb()));
        cmp.outputs().forEach(row -> sqnr.putIfAbsent(row.tensor(), row.sqnrDb()));
        for (String in : inputs) {
            QuantParams p = r.activations().get(r.plan().paramsSource(in));
            if (p != null) {
                sqnr.put(in, inputSqnr(head, batch, p, in, q.graph().runtimeInputs()));
            }
        }
        return new Result(sqnr, cmp.outputs(), cmp.samples());
    }

    private static boolean isGraphInput(Graph g, String value) {
        return g.inputs().stream().anyMatch(v -> v.name().equals(value)) && g.producer(value) == null;
    }

    /** Renames {@code a} to a private name and the DequantizeLinear output that follows it to {@code a}. */
    private static void exposeDequantized(Graph g, String a) {
        if (g.isGraphOutput(a)) {
            return; // the writer already gave the DequantizeLinear output the graph output's name
        }
        String dq = null;
        for (Node quant : g.consumers(a)) {
            if (quant.opType().equals("QuantizeLinear") && quant.input(0).equals(a)) {
                for (Node deq : g.consumers(quant.output(0))) {
                    if (deq.opType().equals("DequantizeLinear")) {
                        dq = deq.output(0);
                    }
                }
            }
        }
        if (dq == null) {
            return;
        }
        String pre = g.uniqueName(a + PRE_QUANT_SUFFIX);
        rename(g, a, pre);
        rename(g, dq, a);
    }

    private static void rename(Graph g, String from, String to) {
        for (Node n : g.nodes()) {
            n.inputs().replaceAll(s -> s.equals(from) ? to : s);
            n.outputs().replaceAll(s -> s.equals(from) ? to : s);
        }
    }

    private static double inputSqnr(Dataset data, int batch, QuantParams p, String input,
                                    List<dev.lowbit.onnx.ValueInfo> modelInputs) {
        Agreement a = new Agreement();
        List<String> names = modelInputs.stream().map(dev.lowbit.onnx.ValueInfo::name).toList();
        for (Iterator<Batch> it = data.batches(batch); it.hasNext(); ) {
            Tensor x = it.next().feeds(names).get(input);
            a.add(x.floats(), FakeQuant.apply(x, p).floats(), 0);
        }
        return a.sqnrDb();
    }
}
