package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Feeds;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.TensorHook;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.passes.OpsetConversion;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-channel weights need opset 13. A model below it is converted ({@link OpsetConversion}) and
 * the converted graph is run against the original on the first calibration samples; if it cannot be
 * converted, or the outputs differ, weights fall back to per-tensor. Either way the outcome is a
 * note of the result, and it is decided before calibration starts.
 */
final class OpsetUpgrade {
    /** The model and config to quantize with, and what was done (null = nothing to do). */
    record Result(Model model, PtqConfig config, String note) {
    }

    private static final int PROBE_SAMPLES = 2;

    private OpsetUpgrade() {
    }

    static Result apply(Model prepared, PtqConfig config, Dataset calibration) {
        int opset = prepared.opset();
        if (opset >= OpsetConversion.TARGET || !config.perChannel()) {
            return new Result(prepared, config, null);
        }
        PtqConfig perTensor = config.toBuilder().perChannel(false).build();
        String refusal = OpsetConversion.refusal(prepared);
        if (refusal != null) {
            return new Result(prepared, perTensor, "opset " + opset + ": per-tensor weights (per-channel needs opset 13, and "
                    + refusal + ")");
        }
        Map<String, Tensor> probe = probe(prepared, calibration);
        Map<String, Integer> ranks = new HashMap<>();
        Map<String, Tensor> expected = new Executor(prepared).run(probe,
                TensorHook.observing((name, t) -> ranks.put(name, t.rank())), java.util.Set.of());
        probe.forEach((k, v) -> ranks.put(k, v.rank()));
        Model converted = OpsetConversion.convert(prepared, ranks);
        Map<String, Tensor> got = new Executor(converted).run(probe);
        String mismatch = mismatch(expected, got);
        if (mismatch != null) {
            return new Result(prepared, perTensor, "opset " + opset + ": per-tensor weights (the graph converted to opset 13 "
                    + mismatch + ")");
        }
        return new Result(converted, config, "converted opset " + opset + " to 13 for per-channel weights (outputs equal to"
                + " the original's on " + Feeds.samples(probe) + " calibration samples)");
    }

    private static Map<String, Tensor> probe(Model m, Dataset calibration) {
        Iterator<Batch> it = calibration.batches(PROBE_SAMPLES);
        if (!it.hasNext()) {
            throw new LowbitException(calibration.name() + ": no calibration samples");
        }
        List<String> inputs = m.graph().runtimeInputs().stream().map(ValueInfo::name).toList();
        return Feeds.bind(it.next().inputs(), inputs, calibration.name());
    }

    /** How the converted outputs differ from the original's (null = equal within float rounding). */
    private static String mismatch(Map<String, Tensor> expected, Map<String, Tensor> got) {
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor a = e.getValue();
            Tensor b = got.get(e.getKey());
            if (b == null || !java.util.Arrays.equals(a.shapeRef(), b.shapeRef()) || a.dtype() != b.dtype()) {
                return "changed the shape or type of output '" + e.getKey() + "'";
            }
            if (a.dtype() == DType.FLOAT) {
                float[] x = a.floats();
                float[] y = b.floats();
                double scale = 0;
                for (float v : x) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < x.length; i++) {
                    if (!(Math.abs(x[i] - y[i]) <= 1e-4 * Math.max(1, scale))) {
                        return "changed output '" + e.getKey() + "' (" + x[i] + " vs " + y[i] + " at element " + i + ")";
                    }
                }
            }
        }
        return null;
    }
}
