package dev.lowbit.qat;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inserts fake quantizers on the planned activations of a training graph: Clip → QuantizeLinear →
 * DequantizeLinear, as {@link dev.lowbit.export.QdqWriter} writes them, so the tape's STE rules
 * apply and training sees exactly the export's arithmetic. Scales and clip bounds are float
 * initializers the trainer declares as tape parameters and rewrites when LSQ moves the step size;
 * zero points stay fixed.
 */
final class ActivationQuantizers {
    /** One quantized activation: the float value quantized and the fake-quantized value consumers read. */
    record Site(String input, String output) {
    }

    /** One set of parameters (possibly shared by several sites) and the initializers that hold it. */
    static final class Quantizer {
        final String source;
        QuantParams params;
        final String scale, low, high, zeroPoint;
        final List<Site> sites = new ArrayList<>();

        Quantizer(String source, QuantParams params, String scale, String low, String high, String zeroPoint) {
            this.zeroPoint = zeroPoint;
            this.source = source;
            this.params = params;
            this.scale = scale;
            this.low = low;
            this.high = high;
        }

        float scaleValue() {
            return params.scales()[0];
        }

        /** Moving-average range (null until the first observation; starts from the calibrated range). */
        double emaLow = Double.NaN, emaHigh = Double.NaN; // float precision: checkpoints store them as float

        /**
         * One moving-average min-max observation (PyTorch's averaging constant 0.01) over this batch's values of
         * every site, then the smallest step with the fixed zero point whose grid covers the averaged range.
         */
        void observe(List<Tensor> batch, Map<String, Tensor> tensors) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (Tensor t : batch) {
                for (float v : t.floats()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            int z = params.zeroPoints()[0], qmin = params.scheme().qmin(), qmax = params.scheme().qmax();
            if (Double.isNaN(emaLow)) {
                emaLow = (float) (scaleValue() * (double) (qmin - z));
                emaHigh = (float) (scaleValue() * (double) (qmax - z));
            }
            emaLow = (float) (emaLow + OBSERVER_AVERAGING * (lo - emaLow));
            emaHigh = (float) (emaHigh + OBSERVER_AVERAGING * (hi - emaHigh));
            double s = Math.max(qmax > z ? Math.max(emaHigh, 0) / (qmax - z) : 0, qmin < z ? Math.min(emaLow, 0) / (qmin - z) : 0);
            if (s > 0 && Double.isFinite(s)) {
                setScale((float) s, tensors);
            }
        }

        /** Writes scale {@code s} into params and the graph's parameter tensors. */
        void setScale(float s, Map<String, Tensor> tensors) {
            params = new QuantParams(new float[] {s}, params.zeroPoints(), params.axis(), params.scheme());
            int z = params.zeroPoints()[0];
            tensors.get(scale).floats()[0] = s;
            tensors.get(low).floats()[0] = s * (params.scheme().qmin() - z);
            tensors.get(high).floats()[0] = s * (params.scheme().qmax() - z);
        }
    }

    static final double OBSERVER_AVERAGING = 0.01;

    private ActivationQuantizers() {
    }

    /**
     * Adds quantizers to {@code g} for {@code activations} (tensor → name of its parameter source) with
     * {@code params} per source; returns the quantizers by source.
     */
    static Map<String, Quantizer> insert(Graph g, Map<String, String> activations, Map<String, QuantParams> params) {
        Map<String, Quantizer> qs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : activations.entrySet()) {
            String a = e.getKey();
            Quantizer q = qs.computeIfAbsent(e.getValue(), src -> {
                QuantParams p = params.get(src);
                if (p == null || !p.perTensor()) {
                    throw new dev.lowbit.LowbitException("no per-tensor range for activation '" + src + "'");
                }
                String s = g.uniqueName(src + "_qat_scale");
                g.setInitializer(s, Tensor.of(new float[] {p.scales()[0]}));
                String lo = g.uniqueName(src + "_qat_min");
                g.setInitializer(lo, Tensor.of(new float[] {0f}));
                String hi = g.uniqueName(src + "_qat_max");
                g.setInitializer(hi, Tensor.of(new float[] {0f}));
                String zp = g.uniqueName(src + "_qat_zero_point");
                Tensor z = Tensor.zeros(p.scheme().storageType());
                z.setLong(0, p.zeroPoints()[0]);
                g.setInitializer(zp, z);
                Quantizer quant = new Quantizer(src, p, s, lo, hi, zp);
                quant.setScale(p.scales()[0], g.initializers());
                return quant;
            });
            q.sites.add(insertSite(g, a, q));
        }
        return qs;
    }

    private static Site insertSite(Graph g, String a, Quantizer q) {
        Node producer = g.producer(a);
        List<Node> consumers = g.consumers(a);
        String src = a, out;
        if (g.isGraphOutput(a) && producer != null) {
            src = g.uniqueName(a + "_float");
            producer.outputs().set(producer.outputs().indexOf(a), src);
            out = a;
            consumers = List.of();
        } else {
            out = g.uniqueName(a + "_fq");
        }
        String zp = q.zeroPoint;
        String clipped = g.uniqueName(a + "_qat_clipped"), codes = g.uniqueName(a + "_qat_codes");
        Node clip = new Node("Clip", g.uniqueName(a + "_qat_Clip"), List.of(src, q.low, q.high), List.of(clipped));
        Node quant = new Node("QuantizeLinear", g.uniqueName(a + "_qat_Q"), List.of(clipped, q.scale, zp), List.of(codes));
        Node dequant = new Node("DequantizeLinear", g.uniqueName(a + "_qat_DQ"), List.of(codes, q.scale, zp), List.of(out));
        for (Node c : consumers) {
            List<String> in = c.inputs();
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i).equals(a)) {
                    in.set(i, out);
                }
            }
        }
        if (producer == null) {
            g.nodes().add(0, dequant);
            g.nodes().add(0, quant);
            g.nodes().add(0, clip);
        } else {
            g.insertAfter(producer, dequant);
            g.insertAfter(producer, quant);
            g.insertAfter(producer, clip);
        }
        return new Site(src, out);
    }
}
