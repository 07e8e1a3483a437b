package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every GEMM kernel against the reference triple loop, on random sizes with odd edges. */
class GemmTest {
    static void checkKernel(GemmKernel kernel, long seed, int trials) {
        Random rnd = new Random(seed);
        for (int t = 0; t < trials; t++) {
            int m = 1 + rnd.nextInt(t % 4 == 0 ? 150 : 40);
            int n = 1 + rnd.nextInt(t % 3 == 0 ? 300 : 70);
            int k = 1 + rnd.nextInt(t % 5 == 0 ? 700 : 50);
            boolean ta = rnd.nextBoolean(), tb = rnd.nextBoolean();
            float alpha = t % 3 == 0 ? 1f : rnd.nextFloat() * 2 - 1;
            float beta = switch (t % 4) {
                case 0 -> 0f;
                case 1 -> 1f;
                default -> rnd.nextFloat() * 2 - 1;
            };
            int lda = (ta ? m : k) + rnd.nextInt(3), ldb = (tb ? k : n) + rnd.nextInt(3), ldc = n + rnd.nextInt(3);
            int aOff = rnd.nextInt(5), bOff = rnd.nextInt(5), cOff = rnd.nextInt(5);
            float[] a = random(rnd, aOff + (ta ? k : m) * lda);
            float[] b = random(rnd, bOff + (tb ? n : k) * ldb);
            float[] c = random(rnd, cOff + m * ldc);
            if (beta == 0f) {
                c[cOff] = Float.NaN; // beta 0 must ignore what C held
            }
            float[] expected = c.clone();
            Gemm.reference(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
            Gemm.gemm(kernel, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            for (int i = 0; i < c.length; i++) {
                float tol = 1e-5f * k + 1e-4f * Math.abs(expected[i]);
                assertEquals(expected[i], c[i], tol, () -> kernel.name() + " m=" + m + " n=" + n + " k=" + k
                        + " ta=" + ta + " tb=" + tb + " element " + "");
            }
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return f;
    }

    @Test
    void defaultKernelMatchesReference() {
        checkKernel(VectorizationProvider.get().gemm(), 1, 60);
    }

    @Test
    void scalarKernelMatchesReference() {
        checkKernel(VectorizationProvider.scalar().gemm(), 2, 40);
    }

    @Test
    void prepackedOperandsAreReusable() {
        Random rnd = new Random(5);
        int m = 37, n = 53, k = 300;
        float[] a = random(rnd, m * k), b = random(rnd, k * n);
        GemmPacked pa = Gemm.packA(false, m, k, a, 0, k);
        GemmPacked pb = Gemm.packB(false, k, n, b, 0, n);
        float[] expected = new float[m * n];
        Gemm.reference(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, expected, 0, n);
        for (int rep = 0; rep < 2; rep++) {
            float[] c = new float[m * n];
            Gemm.multiply(pa, pb, 1f, c, 0, n);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], c[i], 1e-3f);
            }
        }
    }

    /** Main for the narrow-species child JVM: exits 0 when the (narrowed) default kernel is right. */
    public static void main(String[] args) {
        checkKernel(VectorizationProvider.get().gemm(), 3, 40);
        checkDepthwise(VectorizationProvider.get().depthwiseConv(), 4);
        new ConvDirectKernelTest().bothKernelsMatchNaiveConvolution(); // tiles of this JVM's vector width
        LoopsAgreementTest.runAll(); // every other loop at this JVM's vector width
        System.out.println("ok " + VectorizationProvider.get().name());
    }

    static void checkDepthwise(ConvDepthwiseKernel kernel, long seed) {
        ConvDepthwiseKernel reference = VectorizationProvider.scalar().depthwiseConv();
        Random rnd = new Random(seed);
        for (int t = 0; t < 40; t++) {
            int inH = 1 + rnd.nextInt(20), inW = 1 + rnd.nextInt(40), kH = 1 + rnd.nextInt(5), kW = 1 + rnd.nextInt(5);
            int sH = 1 + rnd.nextInt(2), sW = 1 + rnd.nextInt(2), dH = 1 + rnd.nextInt(2), dW = 1 + rnd.nextInt(2);
            int pT = rnd.nextInt(3), pL = rnd.nextInt(3);
            int outH = Math.max(1, (inH + 2 * pT - (kH - 1) * dH - 1) / sH + 1);
            int outW = Math.max(1, (inW + 2 * pL - (kW - 1) * dW - 1) / sW + 1);
            var g = new ConvDepthwiseKernel.Geometry(inH, inW, kH, kW, sH, sW, dH, dW, pT, pL, outH, outW);
            float[] x = random(rnd, inH * inW + 3), w = random(rnd, kH * kW + 2);
            float[] expected = new float[outH * outW + 1], actual = new float[outH * outW + 1];
            float[] scratch = new float[g.scratchSize()];
            // Direct definition with bounds checks.
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    float acc = 0.5f;
                    for (int kh = 0; kh < kH; kh++) {
                        for (int kw = 0; kw < kW; kw++) {
                            int ih = oh * sH - pT + kh * dH, iw = ow * sW - pL + kw * dW;
                            if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
                                acc += w[2 + kh * kW + kw] * x[3 + ih * inW + iw];
                            }
                        }
                    }
                    expected[1 + oh * outW + ow] = acc;
                }
            }
            kernel.plane(g, x, 3, w, 2, 0.5f, actual, 1, scratch);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4f, kernel.getClass().getSimpleName() + " trial " + t);
            }
            reference.plane(g, x, 3, w, 2, 0.5f, actual, 1, scratch);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4f, "scalar trial " + t);
            }
        }
    }

    @Test
    void depthwiseKernelsMatchDefinition() {
        checkDepthwise(VectorizationProvider.get().depthwiseConv(), 6);
    }

    /** The species is a class-load constant, so narrower widths and the scalar path run in child JVMs. */
    @Test
    void narrowSpeciesAndForcedScalarInChildJvms() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String cp = System.getProperty("java.class.path");
        for (String flag : List.of("-Dlowbit.vector.bits=128", "-Dlowbit.vector.bits=256",
                "-Dlowbit.vectorization=scalar")) {
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", flag, "-cp", cp,
                    GemmTest.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
            assertEquals(0, p.exitValue(), flag + ": " + out);
            assertTrue(out.contains("ok "), out);
        }
    }
}
