package dev.lowbit.bench;

import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmPacked;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GEMM throughput. Shapes "M,N,K": square 256 and 1024, and an im2col-shaped conv GEMM (64 filters,
 * 3x3x64 taps, a 56x56 image: ResNet's first stage for one image). GFLOP/s = 2*M*N*K / time.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:<deps>
 * org.openjdk.jmh.Main GemmBenchmark -f 1 -wi 2 -i 3}, or {@link #main} for a quick figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class GemmBenchmark {
    @Param({"256,256,256", "1024,1024,1024", "64,3136,576"})
    public String shape;

    private int m;
    private int n;
    private int k;
    private float[] a;
    private float[] b;
    private float[] c;
    private GemmPacked packedA;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split(",");
        m = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        k = Integer.parseInt(p[2]);
        Random rnd = new Random(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextFloat();
        }
        packedA = Gemm.packA(false, m, k, a, 0, k);
    }

    /** The full call: packs both operands, multiplies. */
    @Benchmark
    public float[] gemm() {
        Gemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }

    /** As a conv runs it: the weight (A) is prepacked, B (the im2col columns) is packed per call. */
    @Benchmark
    public float[] gemmPrepackedA() {
        GemmPacked pb = Gemm.packB(false, k, n, b, 0, n);
        java.util.Arrays.fill(c, 0f);
        Gemm.multiply(packedA, pb, 1f, c, 0, n);
        return c;
    }

    /** Quick harness without JMH: median GFLOP/s of repeated calls per shape. Args: shapes "M,N,K". */
    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : new String[] {"256,256,256", "1024,1024,1024", "64,3136,576"};
        for (String s : shapes) {
            GemmBenchmark bench = new GemmBenchmark();
            bench.shape = s;
            bench.setup();
            double flops = 2.0 * bench.m * bench.n * bench.k;
            int reps = (int) Math.max(5, Math.min(200, 2e10 / flops));
            double[] gflops = new double[reps];
            for (int w = 0; w < reps; w++) {
                bench.gemm();
            }
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                bench.gemm();
                gflops[r] = flops / (System.nanoTime() - t0);
            }
            java.util.Arrays.sort(gflops);
            System.out.printf("%-16s %s median %.1f GFLOP/s (max %.1f, %d reps, %d threads)%n", s,
                    Gemm.kernel().name(), gflops[reps / 2], gflops[reps - 1], reps,
                    dev.lowbit.tensor.Parallel.threads());
        }
    }
}
