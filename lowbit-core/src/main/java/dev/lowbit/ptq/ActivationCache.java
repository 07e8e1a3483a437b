package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.TensorHook;
import dev.lowbit.onnx.Graph;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Calibration statistics of every float tensor of the prepared model, gathered in one pass and
 * shared by quantization runs that place quantizers differently (one layer quantized at a time,
 * layers moved back to float, per-layer weight bits). Any plan's activations are then served
 * without streaming the calibration data again; see
 * {@link PostTrainingQuantizer#reuseCalibration}.
 *
 * <p>Valid for one float model, calibration set and activation configuration: runs must agree on
 * graph steps, activation bits/scheme and backend (checked per tensor).
 */
public final class ActivationCache {
    private Map<String, ActivationStats> stats;
    private int samples;

    /** Whether the calibration pass has run. */
    public boolean filled() {
        return stats != null;
    }

    /** Samples observed by the calibration pass (0 before it ran). */
    public int samples() {
        return samples;
    }

    /** Replaces each planned activation's (empty) statistics by the cached ones; calibrates first if needed. Returns the samples seen. */
    int fill(PtqContext ctx, Map<String, ActivationStats> planned) {
        if (ctx.config().method().kind() == CalibrationMethod.Kind.BEST) {
            throw new LowbitException("reusing calibration needs a fixed method; resolve 'best' with a full run first");
        }
        if (stats == null) {
            calibrate(ctx);
        }
        for (Map.Entry<String, ActivationStats> e : planned.entrySet()) {
            ActivationStats s = stats.get(e.getKey());
            if (s == null) {
                throw new LowbitException("no cached calibration statistics for '" + e.getKey() + "'");
            }
            if (!s.scheme().equals(e.getValue().scheme())) {
                throw new LowbitException("cached statistics of '" + e.getKey() + "' are for " + s.scheme()
                        + ", this run wants " + e.getValue().scheme());
            }
            e.setValue(s);
        }
        return samples;
    }

    private void calibrate(PtqContext ctx) {
        Graph g = ctx.prepared().graph();
        PtqConfig config = ctx.config();
        Map<String, ActivationStats> all = new LinkedHashMap<>();
        TensorHook observe = (name, value) -> {
            if (value.dtype() == DType.FLOAT && g.initializer(name) == null) {
                all.computeIfAbsent(name, k -> new ActivationStats(scheme(config, g, k))).observe(value);
            }
            return value;
        };
        Executor exec = new Executor(ctx.prepared());
        int seen = 0;
        for (Map<String, Tensor> x : ctx.calibrationBatches()) {
            exec.run(x, observe, Set.of());
            seen += dev.lowbit.data.Feeds.samples(x);
            ctx.progress().update("calibrate", seen, config.calibSize());
        }
        if (seen == 0) {
            throw new LowbitException("no calibration samples");
        }
        stats = all;
        samples = seen;
    }

    /** The activation scheme the quantizer would choose for {@code value}. */
    private static QuantScheme scheme(PtqConfig config, Graph g, String value) {
        return config.activationScheme() != null ? config.activationScheme()
                : config.backend().defaultActivationScheme(config.activationBits(), PostTrainingQuantizer.nonNegative(g, value));
    }
}
