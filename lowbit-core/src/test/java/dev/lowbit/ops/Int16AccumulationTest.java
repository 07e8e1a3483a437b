package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntConv;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearConv/ConvInteger with narrow (7-bit) constant weights run on the int16-run GEMM when the
 * input is narrow too: outputs must equal, byte for byte, the same node with its weights fed at
 * run time (always the int32 kernels), also for inputs that use all 8 bits (which fall back).
 */
class Int16AccumulationTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void qlinearConvOnNarrowOperandsEqualsTheInt32Kernels() {
        Random r = new Random(5);
        for (int trial = 0; trial < 12; trial++) {
            int batch = 1 + r.nextInt(3);
            int c = 4 + r.nextInt(30);
            int m = 1 + r.nextInt(40);
            int hw = 3 + r.nextInt(12);
            boolean xu = r.nextBoolean();
            // 7-bit activations: [0, 127] around zero point 0 or 64 (unsigned) / [-64, 63] around 0 (signed).
            int xzv = xu ? (r.nextBoolean() ? 0 : 64) : 0;
            Tensor x = xu ? random8(r, DType.UINT8, 0, 127, batch, c, hw, hw) : random8(r, DType.INT8, -64, 63, batch, c, hw, hw);
            if (trial % 4 == 3) {
                x.bytes()[r.nextInt(x.size())] = (byte) (xu ? 255 : -128); // an 8-bit outlier: no useful runs
            }
            Tensor w = random8(r, DType.INT8, -63, 63, m, c, 3, 3);
            for (int i = 0; i < m; i++) {
                w.bytes()[i * c * 9 + r.nextInt(c * 9)] = (byte) (r.nextBoolean() ? 63 : -63); // at the bound
            }
            Tensor wz = r.nextBoolean() ? scalar8(DType.INT8, 0) : random8(r, DType.INT8, -2, 2, m);
            Tensor xz = scalar8(xu ? DType.UINT8 : DType.INT8, xzv);
            List<Tensor> rest = new ArrayList<>(List.of(Tensor.scalar(0.02f), xz, w, random(r, m), wz,
                    Tensor.scalar(0.5f + r.nextFloat()), scalar8(DType.UINT8, 128)));
            if (r.nextBoolean()) {
                int[] bias = new int[m];
                for (int i = 0; i < m; i++) {
                    bias[i] = r.nextInt(20001) - 10000;
                }
                rest.add(Tensor.of(bias, m));
            }
            List<Attribute> attrs = List.of(Attribute.ofInts("pads", 1, 1, 1, 1),
                    Attribute.ofInts("strides", 1 + r.nextInt(2), 1));
            for (int threads : THREADS) {
                Tensor constant = run("QLinearConv", attrs, x, rest, -1, threads);
                Tensor fed = run("QLinearConv", attrs, x, rest, 2, threads);
                assertArrayEquals(fed.bytes(), constant.bytes(), "trial " + trial + " threads " + threads);
            }
        }
    }

    @Test
    void convIntegerAccumulatorsEqualTheInt32Kernels() {
        Random r = new Random(6);
        for (int trial = 0; trial < 8; trial++) {
            int group = trial % 3 == 0 ? 2 : 1;
            int cg = 8 + r.nextInt(20);
            int m = group * (1 + r.nextInt(20));
            Tensor x = random8(r, DType.UINT8, 0, 127, 2, cg * group, 9, 7);
            Tensor w = random8(r, DType.UINT8, 100, 226, m, cg, 3, 3);
            List<Tensor> rest = List.of(w, scalar8(DType.UINT8, 64), scalar8(DType.UINT8, 163));
            List<Attribute> attrs = List.of(Attribute.ofInt("group", group));
            for (int threads : THREADS) {
                Tensor constant = run("ConvInteger", attrs, x, rest, -1, threads);
                Tensor fed = run("ConvInteger", attrs, x, rest, 0, threads);
                assertArrayEquals(fed.ints(), constant.ints(), "trial " + trial + " threads " + threads);
            }
        }
    }

    /** The path is taken for 7-bit inputs (run length 32767 / (64 * 63) = 8) and declined for 8-bit ones. */
    @Test
    void takenOnlyWhenTheActualInputAllowsUsefulRuns() {
        Random r = new Random(7);
        Tensor w = random8(r, DType.INT8, -63, 63, 16, 8, 3, 3);
        w.bytes()[0] = 63;
        Tensor wz = scalar8(DType.INT8, 0);
        Graph g = new Graph("t");
        g.setInitializer("w", w);
        g.setInitializer("wz", wz);
        Node n = new Node("ConvInteger", "n", new ArrayList<>(List.of("x", "w", "xz", "wz")), new ArrayList<>(List.of("y")));
        OpContext ctx = new OpContext(n, 13, g);
        Int16Accumulation acc = Int16Accumulation.conv(ctx, 1, 3, IntegerOps.ConvAttrs.of(ctx));
        assertNotNull(acc);
        Tensor x = random8(r, DType.UINT8, 0, 127, 1, 8, 6, 6);
        IntegerOps.ConvResult res = acc.convolve(x, true, 64, w, wz);
        assertNotNull(res);
        IntConv.Geometry geo = IntConv.Geometry.of(new int[] {6, 6}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, null, "NOTSET");
        int[] expected = IntConv.convolveReference(x.bytes(), true, 64, 1, 8, w.bytes(), false, new int[] {0}, 16, 1, geo);
        assertArrayEquals(expected, res.acc());
        x.bytes()[3] = (byte) 255; // |x - xz| = 191: run 32767 / (191 * 63) = 2 < MIN_FAST_RUN
        assertNull(acc.convolve(x, true, 64, w, wz), "run " + Int16Gemm.runLength(191, 63));
        Tensor otherW = random8(r, DType.INT8, -63, 63, 16, 8, 3, 3);
        assertNull(acc.convolve(random8(r, DType.UINT8, 0, 127, 1, 8, 6, 6), true, 64, otherW, wz), "other weights");
    }

    private static Tensor random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.001f + 0.01f * r.nextFloat();
        }
        return Tensor.of(v, n);
    }

    /** A one-node graph: x fed; others initializers except index {@code fedIndex} (-1: none), fed too. */
    private static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex, int threads) {
        Graph g = new Graph("t");
        Map<String, Tensor> feeds = new HashMap<>();
        List<String> in = new ArrayList<>(List.of("x"));
        g.inputs().add(ValueInfo.of("x", x.dtype(), x.shapeRef()));
        feeds.put("x", x);
        for (int i = 0; i < others.size(); i++) {
            String name = "in" + (i + 1);
            in.add(name);
            if (i == fedIndex) {
                g.inputs().add(ValueInfo.of(name, others.get(i).dtype(), others.get(i).shapeRef()));
                feeds.put(name, others.get(i));
            } else {
                g.setInitializer(name, others.get(i));
            }
        }
        g.outputs().add(new ValueInfo("y", null, null));
        Node n = new Node(op, "n", in, new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        g.addNode(n);
        Model m = new Model(g);
        m.opsets().put("", 13L);
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return new Executor(m).run(feeds).get("y");
        } finally {
            Parallel.setThreads(before);
        }
    }
}
