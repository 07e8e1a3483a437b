package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Single-thread ConvInteger accumulators, int16 runs vs the exact float path, on ResNet-shaped 3x3
 * convs with 7-bit weights and u8 inputs whose centred range gives int16 runs of 4, 6, 8 and 16
 * (data [0, 255], [0, 170], [0, 127] and [0, 63]); then MatMulInteger with a constant B and A in
 * [0, 127] (centred runs of 8). Variants are interleaved and medians compared,
 * because the machine is shared: the ratios matter, not the times. Not a test; run its
 * {@link #main} with the test classpath, {@code --add-modules jdk.incubator.vector} and
 * {@code -Dlowbit.int16.minRun=1} (so that short runs are not declined); {@code -Dbench.batch=N} and
 * {@code -Dbench.threads=N} set the images per call and the threads (default 1 and 1).
 */
final class Int16ConvBench {
    private Int16ConvBench() {
    }

    public static void main(String[] args) {
        Parallel.setThreads(Integer.getInteger("bench.threads", 1));
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int batch = Integer.getInteger("bench.batch", 1);
        int[][] shapes = {{64, 56}, {128, 28}, {256, 14}, {512, 7}};
        for (int[] s : shapes) {
            bench(s[0], s[1], batch, reps);
        }
        int[][] matMuls = {{128, 384, 384}, {128, 384, 1536}, {16, 768, 768}, {512, 256, 256}};
        for (int[] s : matMuls) {
            benchMatMul(s[0], s[1], s[2], reps);
        }
    }

    /** MatMulInteger [m, k] x constant [k, n], A in [0, 127] with az = 0 (centred runs of 8). */
    private static void benchMatMul(int m, int k, int n, int reps) {
        Random r = new Random(2);
        Tensor b = OrtReferee.random8(r, DType.INT8, -63, 63, k, n);
        Tensor bz = OrtReferee.scalar8(DType.INT8, 0);
        Graph g = new Graph("b");
        g.setInitializer("b", b);
        g.setInitializer("bz", bz);
        Node node = new Node("MatMulInteger", "n", new ArrayList<>(List.of("a", "b", "az", "bz")),
                new ArrayList<>(List.of("y")));
        OpContext ctx = new OpContext(node, 13, g);
        Int16MatMul int16 = Int16MatMul.of(ctx, 1, 3);
        ExactFloatAccumulation exact = ExactFloatAccumulation.matMul(ctx, 1, 3);
        Tensor a = OrtReferee.random8(r, DType.UINT8, 0, 127, m, k);
        long[][] t = new long[2][reps];
        for (int rep = -3; rep < reps; rep++) {
            long t0 = System.nanoTime();
            if (int16.multiply(a, true, 0, b, bz) == null) {
                throw new IllegalStateException("int16 declined");
            }
            long t1 = System.nanoTime();
            Tensor acc = exact.accumulate(a, true, 0);
            long t2 = System.nanoTime();
            if (acc.dtype() == DType.FLOAT) {
                BufferPool.release(acc.floats());
            }
            if (rep >= 0) {
                t[0][rep] = t1 - t0;
                t[1][rep] = t2 - t1;
            }
        }
        double i16 = median(t[0]) / 1e6;
        double fl = median(t[1]) / 1e6;
        System.out.printf("MatMul %dx%dx%d r=%d: int16 %.3f ms float %.3f ms (%.2fx)%n", m, k, n,
                int16.plan(a, true).run(), i16, fl, fl / i16);
    }

    private static void bench(int c, int hw, int batch, int reps) {
        Random r = new Random(1);
        Tensor w = OrtReferee.random8(r, DType.INT8, -63, 63, c, c, 3, 3);
        Tensor wz = OrtReferee.scalar8(DType.INT8, 0);
        Graph g = new Graph("b");
        g.setInitializer("w", w);
        g.setInitializer("wz", wz);
        Node n = new Node("ConvInteger", "n", new ArrayList<>(List.of("x", "w", "xz", "wz")), new ArrayList<>(List.of("y")));
        n.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        OpContext ctx = new OpContext(n, 13, g);
        IntegerOps.ConvAttrs attrs = IntegerOps.ConvAttrs.of(ctx);
        Int16Accumulation int16 = Int16Accumulation.conv(ctx, 1, 3, attrs);
        ExactFloatAccumulation exact = ExactFloatAccumulation.conv(ctx, 1, 3);
        int[] highs = {255, 170, 127, 63};
        Tensor[] xs = new Tensor[highs.length];
        for (int i = 0; i < highs.length; i++) {
            xs[i] = OrtReferee.random8(r, DType.UINT8, 0, highs[i], batch, c, hw, hw);
        }
        long[][] t = new long[2 * highs.length][reps];
        for (int rep = -reps; rep < reps; rep++) { // as many untimed runs first: the JIT settles
            for (int i = 0; i < highs.length; i++) {
                long a = System.nanoTime();
                if (int16.convolve(xs[i], true, 0, w, wz) == null) {
                    throw new IllegalStateException("int16 declined");
                }
                long b = System.nanoTime();
                Tensor acc = exact.accumulate(xs[i], true, 0);
                long e = System.nanoTime();
                if (acc.dtype() == DType.FLOAT) {
                    BufferPool.release(acc.floats());
                }
                if (rep >= 0) {
                    t[2 * i][rep] = b - a;
                    t[2 * i + 1][rep] = e - b;
                }
            }
        }
        StringBuilder sb = new StringBuilder(String.format("C=%d %dx%d x%d:", c, hw, hw, batch));
        for (int i = 0; i < highs.length; i++) {
            int run = int16.plan(xs[i], true, 0, w).run();
            double i16 = median(t[2 * i]) / 1e6;
            double fl = median(t[2 * i + 1]) / 1e6;
            sb.append(String.format("  [0,%d] r=%d int16 %.2f ms float %.2f ms (%.2fx)", highs[i], run, i16, fl, fl / i16));
        }
        System.out.println(sb);
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
