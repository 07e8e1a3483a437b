package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.LowbitException;
import dev.lowbit.calib.Ranges;
import dev.lowbit.calib.WeightRanges;
import dev.lowbit.export.DynamicWriter;
import dev.lowbit.export.QdqWriter;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic quantization (no calibration data): int8 weights for every MatMul/Gemm with a constant
 * weight (per output column unless {@link PtqConfig#perChannel()} is off) and every embedding
 * table (per row); activations are quantized at run time by DynamicQuantizeLinear. Written by
 * {@link DynamicWriter}; Conv layers stay float (ONNX Runtime's CPU provider has no fast
 * ConvInteger), as do products of two activations.
 */
public final class DynamicQuantizer {
    /** The quantized model, where quantizers went, and notes. */
    public record Result(Model quantized, QuantPlan plan, Map<String, String> notes, long millis) {
    }

    private final PtqConfig config;

    public DynamicQuantizer(PtqConfig config) {
        this.config = config;
    }

    public Result quantize(Model floatModel) {
        long start = System.nanoTime();
        Model prepared = PostTrainingQuantizer.clean(floatModel);
        if (prepared.opset() < DynamicWriter.MIN_OPSET) {
            throw new LowbitException("dynamic quantization needs opset " + DynamicWriter.MIN_OPSET
                    + " or newer (DynamicQuantizeLinear); the model has opset " + prepared.opset()
                    + ": quantize it statically (--mode static) or re-export it");
        }
        Graph g = prepared.graph();
        QuantPlan all = QuantPlanner.plan(g, config.exclude(), Recipe.TRANSFORMER);
        QuantPlan plan = new QuantPlan(Recipe.TRANSFORMER);
        Map<String, String> floatNodes = new LinkedHashMap<>(all.floatNodes());
        for (QuantPlan.Weight w : all.weights()) {
            Node n = g.node(w.node());
            if (DynamicWriter.handles(n)) {
                plan.weights().add(w);
                plan.quantizedNodes().add(w.node());
            } else {
                floatNodes.put(w.node(), n.opType() + ": no dynamic integer kernel in ONNX Runtime's CPU provider, stays float");
            }
        }
        for (String q : all.quantizedNodes()) {
            if (!plan.quantizedNodes().contains(q)) {
                floatNodes.putIfAbsent(q, java.util.Objects.requireNonNull(g.node(q), q).opType() + ": activation products stay float in dynamic mode");
            }
        }
        plan.floatNodes().putAll(floatNodes);
        if (plan.weights().isEmpty()) {
            throw new LowbitException("nothing to quantize dynamically: the model has no MatMul, Gemm or embedding Gather"
                    + " with constant weights");
        }
        QdqWriter.WeightQuantizer wq = (name, w, axis) -> {
            QuantScheme s = PostTrainingQuantizer.weightScheme(config, axis);
            Ranges r = config.weightMethod().equals("mse") ? WeightRanges.mse(w, s) : WeightRanges.minMax(w, s);
            QuantParams p = r.toParams(s);
            return new QdqWriter.QuantizedWeight(WeightQuantization.quantize(w, p), PostTrainingQuantizer.toQdq(p));
        };
        Model quantized = DynamicWriter.write(prepared, plan, wq);
        quantized.metadata().put("lowbit.mode", "dynamic");
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("mode", "dynamic: activations quantized at run time; " + plan.weights().size() + " int8 weights"
                + (config.perChannel() ? " per channel" : " per tensor"));
        return new Result(quantized, plan, notes, (System.nanoTime() - start) / 1_000_000);
    }
}
