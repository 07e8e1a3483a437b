package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every loop of the default provider against the plain-Java one, on runs of every length up to a
 * few vectors, at odd offsets, and ending exactly at their arrays' ends (where the vector loops
 * switch from masked to scalar tails). Exact where both compute the same IEEE operations per
 * element; within a few ulps where the vector loops fuse multiply-adds or sum in lanes. Skipped
 * when the default provider is the plain-Java one.
 */
class LoopsAgreementTest {
    private static final VectorizationProvider FAST = VectorizationProvider.get();
    private static final VectorizationProvider SCALAR = VectorizationProvider.scalar();
    private static final int MAX_LEN = 70;

    private final Random rnd = new Random(11);

    @BeforeEach
    void needsTwoProviders() {
        assumeTrue(FAST != SCALAR, "the default provider is the plain-Java one");
    }

    /** Every check, for GemmTest's child JVMs with narrower species (and the forced scalar one). */
    static void runAll() {
        LoopsAgreementTest t = new LoopsAgreementTest();
        t.binaryRows();
        t.unaryRuns();
        t.epilogueRows();
        t.normRows();
        t.reductions();
        t.poolRows();
        t.quantizeRunsAreBitExact();
        t.intGemmAccumulationIsExact();
        t.int16MicroKernelWrapsAlike();
        t.resampleRows();
        t.depthwiseBlocks();
        t.depthwiseInPlaceIsBitExact();
        t.pointwiseIsBitExact();
        t.pointwiseBlockedIsBitExact();
        t.shiftedQuantizationIsBitExact();
        t.requantizedPointwiseBlocksAreBitExact();
    }

    /**
     * In-place depthwise convolution (masked vector taps against one position at a time; both fuse
     * every multiply-add, so exactly equal) for stride 1 and rows as wide as the input's: planes of
     * 1 to 17 rows and columns, 1x1 to 5x5 kernels, dilation 1 and 2, vertical padding of any kind, a
     * tensor whose first and last planes put taps outside the array, residual or not, clamp or not.
     */
    @Test
    void depthwiseInPlaceIsBitExact() {
        ConvDepthwiseKernel fk = FAST.depthwiseConv(), sk = SCALAR.depthwiseConv();
        for (int trial = 0; trial < 120; trial++) {
            int channels = 1 + rnd.nextInt(20), h = 1 + rnd.nextInt(17), w = 1 + rnd.nextInt(17);
            int kH = 1 + rnd.nextInt(5), kW = 1 + rnd.nextInt(5), d = 1 + rnd.nextInt(2);
            int spanH = (kH - 1) * d + 1, spanW = (kW - 1) * d + 1;
            int pl = rnd.nextInt(spanW), pt = rnd.nextInt(spanH), pb = rnd.nextInt(spanH);
            int oh = h + pt + pb - spanH + 1;
            if (oh < 1 || w < 1) {
                continue;
            }
            ConvGeometry geo = new ConvGeometry(new int[] {h, w}, new int[] {kH, kW}, new int[] {1, 1},
                    new int[] {d, d}, new int[] {pt, pl}, new int[] {oh, w});
            assertTrue(ConvDepthwiseInPlace.suits(geo));
            float[] x = random(2 * channels * h * w), wt = random(channels * kH * kW);
            float[] bias = trial % 4 == 0 ? null : random(channels);
            float[] res = trial % 3 == 0 ? null : random(2 * channels * oh * w);
            boolean clamp = trial % 2 == 0;
            float[] fast = new float[2 * channels * oh * w], plain = new float[fast.length];
            ConvDepthwiseInPlace.run(fk, ConvDepthwiseInPlace.Plan.of(geo, fk.blockLanes()), x, wt, bias, 2,
                    channels, fast, res, clamp, -0.5f, 0.5f);
            ConvDepthwiseInPlace.run(sk, ConvDepthwiseInPlace.Plan.of(geo, fk.blockLanes()), x, wt, bias, 2,
                    channels, plain, res, clamp, -0.5f, 0.5f);
            assertArrayEquals(plain, fast, 0f, "trial " + trial + " " + h + "x" + w + " k" + kH + "x" + kW);
        }
    }

    /**
     * The direct 1x1 convolution against the plain-Java one (both accumulate each element by fused
     * multiply-adds over the channels in order, so exactly equal): maps of 1 to 120 positions,
     * channels past the packing's K block, filters ending inside a weight panel, a sub-range of
     * panels, the input array's last image (whose vector loads would run past it), residual or not,
     * bias or not, clamp or not.
     */
    @Test
    void pointwiseIsBitExact() {
        ConvPointwiseKernel fk = FAST.pointwiseConv(), sk = SCALAR.pointwiseConv();
        for (int trial = 0; trial < 120; trial++) {
            int channels = trial % 10 == 0 ? 250 + rnd.nextInt(30) : 1 + rnd.nextInt(40);
            int filters = 1 + rnd.nextInt(30), positions = 1 + rnd.nextInt(120), images = 1 + rnd.nextInt(3);
            GemmPacked a = GemmPacking.packA(FAST.gemm(), false, filters, channels, random(filters * channels), 0, channels,
                    new float[GemmPacked.size(filters, channels, FAST.gemm().mr())]);
            int panel0 = trial % 5 == 0 ? rnd.nextInt(a.panels()) : 0;
            int image = rnd.nextInt(images);
            float[] x = random(images * channels * positions);
            float[] bias = trial % 4 == 0 ? null : random(filters);
            float[] res = trial % 3 == 0 ? null : random(images * filters * positions);
            boolean clamp = trial % 2 == 0;
            float[] fast = new float[images * filters * positions], plain = new float[fast.length];
            fk.image(a, panel0, a.panels(), x, image * channels * positions, positions, fast,
                    image * filters * positions, bias, res, clamp, -0.5f, 0.5f);
            sk.image(a, panel0, a.panels(), x, image * channels * positions, positions, plain,
                    image * filters * positions, bias, res, clamp, -0.5f, 0.5f);
            assertArrayEquals(plain, fast, 0f, "trial " + trial + " " + channels + " -> " + filters + " at "
                    + positions + " positions, image " + image + " of " + images);
        }
    }

    /**
     * The 1x1 convolution on channel-blocked tensors ({@link ConvPointwiseKernel#blocked}) against
     * the plain-Java one and against the NCHW kernel's values for the same channels, bit for bit:
     * channel counts ending inside a block, odd and even numbers of output blocks (the kernel takes
     * them in pairs), sub-ranges of output blocks and of positions, maps of 1 to 40 positions,
     * residual or not.
     */
    @Test
    void pointwiseBlockedIsBitExact() {
        ConvPointwiseKernel fk = FAST.pointwiseConv(), sk = SCALAR.pointwiseConv();
        int lanes = FAST.depthwiseConv().blockLanes();
        for (int trial = 0; trial < 80; trial++) {
            int channels = 1 + rnd.nextInt(3 * lanes), filters = 1 + rnd.nextInt(4 * lanes);
            int positions = 1 + rnd.nextInt(40), images = 1 + rnd.nextInt(2);
            int inBlocks = ChannelBlocks.blocks(channels, lanes), outBlocks = ChannelBlocks.blocks(filters, lanes);
            float[] w = random(filters * channels), nchw = random(images * channels * positions);
            float[] bias = new float[outBlocks * lanes];
            System.arraycopy(random(filters), 0, bias, 0, filters);
            float[] wT = new float[outBlocks * channels * lanes];
            for (int f = 0; f < filters; f++) {
                for (int c = 0; c < channels; c++) {
                    wT[((f / lanes) * channels + c) * lanes + f % lanes] = w[f * channels + c];
                }
            }
            float[] x = new float[images * inBlocks * positions * lanes];
            ChannelBlocks.toBlocks(nchw, images, channels, positions, lanes, x);
            float[] res = trial % 3 == 0 ? null : random(images * outBlocks * positions * lanes);
            boolean clamp = trial % 2 == 0;
            float lo = clamp ? -0.5f : Float.NEGATIVE_INFINITY, hi = clamp ? 0.5f : Float.POSITIVE_INFINITY;
            int image = rnd.nextInt(images), fb0 = trial % 4 == 0 ? rnd.nextInt(outBlocks) : 0;
            int q0 = trial % 5 == 1 ? rnd.nextInt(positions) : 0;
            int q1 = trial % 5 == 1 ? q0 + 1 + rnd.nextInt(positions - q0) : positions;
            int xOff = image * inBlocks * positions * lanes, yOff = image * outBlocks * positions * lanes;
            float[] fast = new float[images * outBlocks * positions * lanes], plain = new float[fast.length];
            fk.blocked(wT, channels, lanes, bias, x, xOff, positions, q0, q1, fb0, outBlocks, fast, yOff, res, null, lo, hi);
            sk.blocked(wT, channels, lanes, bias, x, xOff, positions, q0, q1, fb0, outBlocks, plain, yOff, res, null, lo, hi);
            String what = "trial " + trial + " " + channels + " -> " + filters + " at " + positions + " positions";
            assertArrayEquals(plain, fast, 0f, what);
            if (res == null) {
                GemmPacked a = GemmPacking.packA(FAST.gemm(), false, filters, channels, w, 0, channels,
                        new float[GemmPacked.size(filters, channels, FAST.gemm().mr())]);
                float[] planes = new float[images * filters * positions];
                fk.image(a, 0, a.panels(), nchw, image * channels * positions, positions, planes,
                        image * filters * positions, bias, null, clamp, lo, hi);
                for (int f = fb0 * lanes; f < filters; f++) {
                    for (int q = q0; q < q1; q++) {
                        assertEquals(planes[(image * filters + f) * positions + q],
                                fast[yOff + ((f / lanes) * positions + q) * lanes + f % lanes], 0f,
                                what + " filter " + f + " position " + q);
                    }
                }
            }
        }
    }

    /**
     * Channel-blocked depthwise convolution (the blocks are 8 channels plain, a vector with the
     * Vector API, so block edges differ too) on small maps of every stride, dilation and padding
     * kind; within float rounding, as the vector loop fuses its multiply-adds.
     */
    @Test
    void depthwiseBlocks() {
        for (int trial = 0; trial < 60; trial++) {
            int channels = 1 + rnd.nextInt(40), h = 1 + rnd.nextInt(9), w = 1 + rnd.nextInt(9);
            int k = 1 + rnd.nextInt(3), s = 1 + rnd.nextInt(2), d = 1 + rnd.nextInt(2), pad = rnd.nextInt(k);
            int span = (k - 1) * d + 1;
            if (h + 2 * pad < span || w + 2 * pad < span) {
                continue;
            }
            int oh = (h + 2 * pad - span) / s + 1, ow = (w + 2 * pad - span) / s + 1;
            ConvGeometry geo = new ConvGeometry(new int[] {h, w}, new int[] {k, k}, new int[] {s, s},
                    new int[] {d, d}, new int[] {pad, pad}, new int[] {oh, ow});
            float[] x = random(2 * channels * h * w), wt = random(channels * k * k), bias = random(channels);
            float[] res = random(2 * channels * oh * ow);
            float[] fast = new float[res.length], plain = new float[res.length];
            ConvDepthwiseKernel fk = FAST.depthwiseConv(), sk = SCALAR.depthwiseConv();
            ConvDepthwiseBlocked.run(fk, geo, ConvDepthwiseBlocked.Weights.of(fk, wt, bias, channels, k * k), x, 2,
                    channels, fast, res, true, -0.5f, 0.5f);
            ConvDepthwiseBlocked.run(sk, geo, ConvDepthwiseBlocked.Weights.of(sk, wt, bias, channels, k * k), x, 2,
                    channels, plain, res, true, -0.5f, 0.5f);
            for (int i = 0; i < fast.length; i++) {
                assertEquals(plain[i], fast[i], 1e-5f, "trial " + trial + " element " + i);
            }
        }
    }

    @Test
    void binaryRows() {
        for (BinaryFloatKernels.Op op : BinaryFloatKernels.Op.values()) {
            for (int n = 0; n <= MAX_LEN; n++) {
                for (int[] strides : new int[][] {{1, 1}, {1, 0}, {0, 1}}) {
                    float[] a = random(n + 4), b = random(n + 3); // a broadcast operand exists even for n = 0
                    float[] x = new float[n + 1], y = new float[n + 1];
                    FAST.binaryFloat().row(op, a, 3, strides[0], b, 2, strides[1], x, 1, n);
                    SCALAR.binaryFloat().row(op, a, 3, strides[0], b, 2, strides[1], y, 1, n);
                    assertArrayEquals(y, x, op + " n=" + n);
                }
            }
        }
    }

    @Test
    void unaryRuns() {
        for (UnaryFloatKernels.Kind kind : UnaryFloatKernels.Kind.values()) {
            float[] in = random(MAX_LEN + 5);
            for (int i = 0; i < in.length; i++) {
                in[i] *= 4;
            }
            float[] x = new float[in.length], y = new float[in.length];
            FAST.unaryFloat().run(kind, in, x, 5, in.length, 0.1f, 0.6f);
            SCALAR.unaryFloat().run(kind, in, y, 5, in.length, 0.1f, 0.6f);
            assertClose(y, x, 1e-5f, kind.toString());
        }
    }

    @Test
    void epilogueRows() {
        EpilogueLoops f = FAST.epilogue(), s = SCALAR.epilogue();
        for (int n = 0; n <= MAX_LEN; n++) {
            for (int slack : new int[] {0, 20}) { // 0: the run ends at the arrays' end
                float[] src = random(n + 2 + slack), res = random(n + 1 + slack);
                float[] x = new float[n + 3 + slack], y = new float[n + 3 + slack];
                f.clamp(src, 2, x, 3, n, -0.5f, 0.5f);
                s.clamp(src, 2, y, 3, n, -0.5f, 0.5f);
                assertArrayEquals(y, x, 0f, "clamp n=" + n);
                f.residualPlusBias(x, 3, n, 0.25f, res, 1);
                s.residualPlusBias(y, 3, n, 0.25f, res, 1);
                assertArrayEquals(y, x, 0f, "residualPlusBias n=" + n);
                f.biasClamp(src, 2, x, 3, n, 0.25f, 0f, 6f);
                s.biasClamp(src, 2, y, 3, n, 0.25f, 0f, 6f);
                assertArrayEquals(y, x, 0f, "biasClamp n=" + n);
                f.biasResidualClamp(src, 2, x, 3, n, 0.25f, res, 1, Float.NEGATIVE_INFINITY, 0.3f);
                s.biasResidualClamp(src, 2, y, 3, n, 0.25f, res, 1, Float.NEGATIVE_INFINITY, 0.3f);
                assertArrayEquals(y, x, 0f, "biasResidualClamp n=" + n);
                f.addInPlace(x, 3, n, res, 1);
                s.addInPlace(y, 3, n, res, 1);
                assertArrayEquals(y, x, 0f, "addInPlace n=" + n);
            }
        }
    }

    @Test
    void normRows() {
        NormLoops f = FAST.norm(), s = SCALAR.norm();
        for (int n = 0; n <= MAX_LEN; n++) {
            float[] in = random(n + 1), a = random(n), b = random(n);
            float[] x = new float[n + 1], y = new float[n + 1];
            f.channelAffine(in, x, 1, n, a, b);
            s.channelAffine(in, y, 1, n, a, b);
            assertClose(y, x, 1e-6f, "channelAffine n=" + n);
            f.scaleShift(in, x, 1, n, 1.5f, -0.25f);
            s.scaleShift(in, y, 1, n, 1.5f, -0.25f);
            assertClose(y, x, 1e-6f, "scaleShift n=" + n);
            for (float[] bias : new float[][] {b, null}) {
                f.normalize(in, x, 1, n, 0.1f, 2f, a, bias);
                s.normalize(in, y, 1, n, 0.1f, 2f, a, bias);
                assertClose(y, x, 1e-6f, "normalize n=" + n);
            }
            assertEquals(s.squaredDeviation(in, 1, n, 0.1f), f.squaredDeviation(in, 1, n, 0.1f), 1e-5 * (n + 1));
            for (boolean log : new boolean[] {false, true}) {
                f.softmaxRow(in, x, 1, n, log);
                s.softmaxRow(in, y, 1, n, log);
                assertClose(y, x, 1e-5f, "softmax log=" + log + " n=" + n);
            }
        }
    }

    @Test
    void reductions() {
        ReductionLoops f = FAST.reductions(), s = SCALAR.reductions();
        for (int n = 0; n <= MAX_LEN; n++) {
            float[] in = random(n + 2);
            assertEquals(s.sum(in, 2, n), f.sum(in, 2, n), 1e-5 * (n + 1));
            assertEquals(s.max(in, 2, n), f.max(in, 2, n));
            for (ReduceKernels.Kind kind : ReduceKernels.Kind.values()) {
                if (ReduceFloatKernels.supports(kind)) {
                    assertEquals(s.reduce(kind, in, 2, n), f.reduce(kind, in, 2, n), 1e-5f * (n + 1), kind + " n=" + n);
                }
            }
            if (n > 5) {
                in[4] = Float.NaN;
                in[n] = Float.NEGATIVE_INFINITY;
            }
            float[] rangeF = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, rangeS = rangeF.clone();
            assertEquals(s.minMaxFinite(in, 2, n, rangeS), f.minMaxFinite(in, 2, n, rangeF));
            assertArrayEquals(rangeS, rangeF);
            float[] t = random(n + 2);
            double[] accF = {1, 2, 3}, accS = {1, 2, 3};
            in = random(n + 2);
            f.dotAndSquares(in, t, 2, n, accF);
            s.dotAndSquares(in, t, 2, n, accS);
            assertArrayEquals(accS, accF, 1e-5 * (n + 1));
        }
    }

    @Test
    void poolRows() {
        PoolLoops f = FAST.pool(), s = SCALAR.pool();
        for (int w = 1; w <= MAX_LEN; w++) {
            float[] in = random(w + 3);
            for (boolean max : new boolean[] {true, false}) {
                float[] x = random(w), y = x.clone();
                f.combineRow(in, 3, x, w, max);
                s.combineRow(in, 3, y, w, max);
                assertArrayEquals(y, x, "combineRow w=" + w);
            }
            int sw = 2, kw = 3, dw = 1, ow = (w - 1) / sw + 1, phW = (w + sw - 1) / sw + 16;
            float[] phases = random(sw * phW);
            float[] x = new float[ow + 2], y = new float[ow + 2];
            f.maxOverPhases(phases, phW, sw, kw, dw, x, 2, ow - 1);
            s.maxOverPhases(phases, phW, sw, kw, dw, y, 2, ow - 1);
            assertArrayEquals(y, x, "maxOverPhases w=" + w);
            // The interiors compute a prefix of the columns, the rest being the caller's.
            int kw2 = 3, pl = 1, hi = w - 1;
            float[] row = random(w);
            float[] out = new float[w];
            int maxEnd = f.interiorMax(row, out, 0, 1, hi, pl, kw2);
            for (int c = 1; c < maxEnd; c++) {
                assertEquals(Math.max(row[c - 1], Math.max(row[c], row[c + 1])), out[c], "interiorMax w=" + w);
            }
            int avgEnd = f.interiorAverage(row, out, 0, 1, hi, pl, kw2, 1f / 3);
            for (int c = 1; c < avgEnd; c++) {
                assertEquals((row[c - 1] + row[c] + row[c + 1]) / 3, out[c], 1e-6f, "interiorAverage w=" + w);
            }
        }
    }

    /**
     * The loops of quantized blocked convolutions: requantization of exact accumulators into values
     * shifted by the output zero point, and QLinearAdd on shifted values, against the plain-Java
     * loops and against ONNX Runtime's byte arithmetic ({@link dev.lowbit.quant.QuantMath#requantize},
     * {@link QuantizeLoops#linearAddToBytes}) with the zero points added back.
     */
    @Test
    void shiftedQuantizationIsBitExact() {
        QuantizeLoops f = FAST.quantize(), s = SCALAR.quantize();
        for (int lanes : new int[] {FAST.depthwiseConv().blockLanes(), 5}) {
            for (int count = 0; count <= 6; count++) {
                int n = count * lanes;
                float[] scale = new float[lanes + 1];
                for (int l = 0; l < scale.length; l++) {
                    scale[l] = (float) Math.pow(10, -2 - 3 * rnd.nextDouble());
                }
                int[] acc = new int[n + 1];
                float[] fx = new float[n + 1];
                for (int i = 0; i < acc.length; i++) {
                    acc[i] = rnd.nextInt(1 << 25) - (1 << 24); // every float-exact accumulator, bias included
                    fx[i] = acc[i];
                }
                float[] fy = fx.clone();
                int zp = rnd.nextInt(256) - 128, qmin = zp >= 0 ? 0 : -128, qmax = qmin + 255;
                f.requantizeShifted(fx, 1, n, scale, 1, lanes, qmin - zp, qmax - zp);
                s.requantizeShifted(fy, 1, n, scale, 1, lanes, qmin - zp, qmax - zp);
                assertArrayEquals(fy, fx, "requantizeShifted lanes " + lanes + " n=" + n);
                for (int i = 0; i < n; i++) {
                    int ort = dev.lowbit.quant.QuantMath.requantize(acc[1 + i], scale[1 + i % lanes], zp, qmin, qmax);
                    assertEquals(ort - zp, fx[1 + i], 0f, "requantizeShifted is ORT's requantization minus zp at " + i);
                }
            }
        }
        for (int n = 0; n <= MAX_LEN; n++) {
            byte[] a = new byte[n + 1], b = new byte[n + 2];
            rnd.nextBytes(a);
            rnd.nextBytes(b);
            for (boolean unsigned : new boolean[] {true, false}) {
                int za = unsigned ? 131 : -7, zb = unsigned ? 90 : 12, zc = unsigned ? 140 : 3;
                int mask = unsigned ? 0xFF : -1;
                float[] sa = new float[n + 1], sb = new float[n + 2];
                for (int i = 0; i < n; i++) {
                    sa[1 + i] = (a[1 + i] & mask) - za;
                    sb[2 + i] = (b[2 + i] & mask) - zb;
                }
                float ra = 0.73f, rb = 1.31f, fixed = zc - Math.fma(ra, (float) za, rb * zb) + 0.5f;
                float[] ox = new float[n + 1], oy = new float[n + 1];
                float qmin = unsigned ? 0 : -128, qmax = unsigned ? 255 : 127;
                f.linearAddShifted(sa, 1, sb, 2, n, za, zb, ra, rb, fixed, qmin, qmax, zc, ox, 1);
                s.linearAddShifted(sa, 1, sb, 2, n, za, zb, ra, rb, fixed, qmin, qmax, zc, oy, 1);
                assertArrayEquals(oy, ox, "linearAddShifted n=" + n);
                byte[] ort = new byte[n + 1];
                s.linearAddToBytes(a, 1, b, 2, n, unsigned, ra, rb, fixed, ort, 1);
                for (int i = 0; i < n; i++) {
                    assertEquals((ort[1 + i] & mask) - zc, ox[1 + i], 0f, "linearAddShifted is ORT's QLinearAdd at " + i);
                }
            }
        }
    }

    /**
     * The requantizing 1x1 convolution on blocks: integer operands (exact sums), the fast kernel
     * against the plain one, and against the unrequantized output requantized afterwards.
     */
    @Test
    void requantizedPointwiseBlocksAreBitExact() {
        ConvPointwiseKernel fk = FAST.pointwiseConv(), sk = SCALAR.pointwiseConv();
        int lanes = FAST.depthwiseConv().blockLanes();
        for (int trial = 0; trial < 40; trial++) {
            int channels = 1 + rnd.nextInt(3 * lanes), filters = 1 + rnd.nextInt(4 * lanes);
            int positions = 1 + rnd.nextInt(40);
            int inBlocks = ChannelBlocks.blocks(channels, lanes), outBlocks = ChannelBlocks.blocks(filters, lanes);
            float[] wT = new float[outBlocks * channels * lanes], bias = new float[outBlocks * lanes];
            float[] scale = new float[outBlocks * lanes];
            for (int i = 0; i < wT.length; i++) {
                wT[i] = rnd.nextInt(255) - 127;
            }
            for (int f = 0; f < filters; f++) {
                bias[f] = rnd.nextInt(20001) - 10000;
                scale[f] = (float) Math.pow(10, -3 - 2 * rnd.nextDouble());
            }
            byte[] q = new byte[channels * positions];
            rnd.nextBytes(q);
            float[] x = new float[inBlocks * positions * lanes];
            ChannelBlocks.toBlocks(q, true, 128, 1, channels, positions, lanes, x);
            float[] fast = new float[outBlocks * positions * lanes], plain = new float[fast.length];
            float[] raw = new float[fast.length];
            float lo = -128 - 3, hi = 127 - 3;
            fk.blocked(wT, channels, lanes, bias, x, 0, positions, 0, positions, 0, outBlocks, fast, 0, null, scale, lo, hi);
            sk.blocked(wT, channels, lanes, bias, x, 0, positions, 0, positions, 0, outBlocks, plain, 0, null, scale, lo, hi);
            assertArrayEquals(plain, fast, 0f, "trial " + trial + " " + channels + " -> " + filters);
            sk.blocked(wT, channels, lanes, bias, x, 0, positions, 0, positions, 0, outBlocks, raw, 0, null, null,
                    Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
            for (int fb = 0; fb < outBlocks; fb++) {
                SCALAR.quantize().requantizeShifted(raw, fb * positions * lanes, positions * lanes, scale, fb * lanes,
                        lanes, lo, hi);
            }
            assertArrayEquals(raw, fast, 0f, "requantized in the tile = requantized after, trial " + trial);
        }
    }

    @Test
    void quantizeRunsAreBitExact() {
        QuantizeLoops f = FAST.quantize(), s = SCALAR.quantize();
        for (int n = 0; n <= MAX_LEN; n++) {
            float[] in = random(n + 1);
            if (n > 3) {
                in[2] = Float.NaN;
                in[3] = 1e30f;
            }
            int[] x = new int[n + 1], y = new int[n + 1];
            f.quantize(in, 1, n, 0.01f, 3, -128, 127, x, 1);
            s.quantize(in, 1, n, 0.01f, 3, -128, 127, y, 1);
            assertArrayEquals(y, x, "quantize n=" + n);
            byte[] qx = new byte[n + 1], qy = new byte[n + 1];
            f.quantizeToBytes(in, 1, n, 0.01f, 3, -128, 127, qx, 1);
            s.quantizeToBytes(in, 1, n, 0.01f, 3, -128, 127, qy, 1);
            assertArrayEquals(qy, qx, "quantizeToBytes n=" + n);
            for (int i = 0; i < n; i++) {
                assertEquals(y[i + 1], qy[i + 1], "quantizeToBytes agrees with quantize at " + i);
            }
            int[] acc = new int[n + 1];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = rnd.nextInt(1 << 20) - (1 << 19);
            }
            f.requantize(acc, 1, n, 77, 3.1e-4f, 128, 0, 255, x, 0);
            s.requantize(acc, 1, n, 77, 3.1e-4f, 128, 0, 255, y, 0);
            assertArrayEquals(y, x, "requantize n=" + n);
            for (int[] range : new int[][] {{0, 255, 128}, {-128, 127, -5}, {0, 127, 0}}) {
                // Whole int32 range (wrapping with the bias), small multipliers and one large (saturating).
                int[] wide = new int[n + 1];
                for (int i = 0; i < wide.length; i++) {
                    wide[i] = i % 3 == 0 ? rnd.nextInt() : rnd.nextInt(1 << 21) - (1 << 20);
                }
                for (float mult : new float[] {3.1e-4f, 2.5e-3f, 1.7f}) {
                    byte[] ix = new byte[n + 1], iy = new byte[n + 1];
                    f.requantizeToBytes(wide, 1, n, 77, mult, range[2], range[0], range[1], ix, 1);
                    s.requantizeToBytes(wide, 1, n, 77, mult, range[2], range[0], range[1], iy, 1);
                    assertArrayEquals(iy, ix, "requantizeToBytes (int32) n=" + n);
                    s.requantize(wide, 1, n, 77, mult, range[2], range[0], range[1], y, 0);
                    for (int i = 0; i < n; i++) {
                        assertEquals((byte) y[i], iy[i + 1], "int32 to bytes agrees with requantize at " + i);
                    }
                }
            }
            float[] exactAcc = new float[n + 1];
            for (int i = 0; i < exactAcc.length; i++) {
                exactAcc[i] = rnd.nextInt(1 << 25) - (1 << 24); // every integer float up to 2^24
            }
            byte[] bx = new byte[n + 2], by = new byte[n + 2];
            for (int[] range : new int[][] {{0, 255, 128}, {-128, 127, -5}}) {
                f.requantizeToBytes(exactAcc, 1, n, 1 << 24, 3.1e-6f, range[2], range[0], range[1], bx, 1);
                s.requantizeToBytes(exactAcc, 1, n, 1 << 24, 3.1e-6f, range[2], range[0], range[1], by, 1);
                assertArrayEquals(by, bx, "requantizeToBytes n=" + n);
                f.requantizeToBytes(exactAcc, 1, n, -3, 3.1e-5f, range[2], range[0], range[1], bx, 1);
                s.requantizeToBytes(exactAcc, 1, n, -3, 3.1e-5f, range[2], range[0], range[1], by, 1);
                assertArrayEquals(by, bx, "requantizeToBytes (saturating) n=" + n);
                // A bias float cannot hold, and a multiplier too large for the magic-number route.
                f.requantizeToBytes(exactAcc, 1, n, (1 << 24) + 1, 3.1e-6f, range[2], range[0], range[1], bx, 1);
                s.requantizeToBytes(exactAcc, 1, n, (1 << 24) + 1, 3.1e-6f, range[2], range[0], range[1], by, 1);
                assertArrayEquals(by, bx, "requantizeToBytes (odd bias above 2^24) n=" + n);
                f.requantizeToBytes(exactAcc, 1, n, 9, 0.75f, range[2], range[0], range[1], bx, 1);
                s.requantizeToBytes(exactAcc, 1, n, 9, 0.75f, range[2], range[0], range[1], by, 1);
                assertArrayEquals(by, bx, "requantizeToBytes (large multiplier) n=" + n);
            }
            byte[] bytes = new byte[n + 1];
            rnd.nextBytes(bytes);
            byte[] other = new byte[n + 3];
            rnd.nextBytes(other);
            for (boolean unsigned : new boolean[] {true, false}) {
                // Ratios that saturate some sums both ways, and a fixed term with a fraction (rounding ties occur).
                f.linearAddToBytes(bytes, 1, other, 2, n, unsigned, 0.73f, 1.31f, -60.5f, bx, 1);
                s.linearAddToBytes(bytes, 1, other, 2, n, unsigned, 0.73f, 1.31f, -60.5f, by, 1);
                assertArrayEquals(by, bx, "linearAddToBytes n=" + n);
            }
            for (boolean unsigned : new boolean[] {true, false}) {
                    float[] sx = new float[n + 1], sy = new float[n + 1];
                f.shiftedFloats(bytes, 1, n, unsigned, 7, sx, 1);
                s.shiftedFloats(bytes, 1, n, unsigned, 7, sy, 1);
                assertArrayEquals(sy, sx, "shiftedFloats n=" + n);
            }
            float[] fx = new float[n + 1], fy = new float[n + 1];
            f.fakeQuantize(in, 1, n, fx, 0, 0.02f, -130f, 125f);
            s.fakeQuantize(in, 1, n, fy, 0, 0.02f, -130f, 125f);
            assertArrayEquals(fy, fx, "fakeQuantize n=" + n);
            float[] scales = new float[n], lo = new float[n], hi = new float[n];
            for (int c = 0; c < n; c++) {
                scales[c] = 0.005f + rnd.nextFloat() * 0.05f;
                lo[c] = -128 - c % 5;
                hi[c] = 127 - c % 5;
            }
            f.fakeQuantizeChannels(in, fx, 1, n, scales, lo, hi);
            s.fakeQuantizeChannels(in, fy, 1, n, scales, lo, hi);
            assertArrayEquals(fy, fx, "fakeQuantizeChannels n=" + n);
        }
    }

    @Test
    void intGemmAccumulationIsExact() {
        IntGemmLoops f = FAST.intGemm(), s = SCALAR.intGemm();
        int k = 19, n = MAX_LEN;
        int[] aw = new int[4 * k], b = new int[k * n];
        for (int i = 0; i < aw.length; i++) {
            aw[i] = rnd.nextInt(511) - 255;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextInt(511) - 255;
        }
        for (int c1 = 0; c1 <= n; c1 += 7) {
            int[] x = new int[4 * n], y = new int[4 * n];
            f.accumulate4(aw, 0, k, 2, k, b, n, 1, c1, x, 0);
            s.accumulate4(aw, 0, k, 2, k, b, n, 1, c1, y, 0);
            assertArrayEquals(y, x, "accumulate4 c1=" + c1);
            f.accumulate(aw, k, 0, k - 3, b, n, 3, c1, x, n);
            s.accumulate(aw, k, 0, k - 3, b, n, 3, c1, y, n);
            assertArrayEquals(y, x, "accumulate c1=" + c1);
        }
    }

    /** The int16 micro-kernel against its plain-Java twin, also where int16 sums wrap (same wrapping arithmetic). */
    @Test
    void int16MicroKernelWrapsAlike() {
        Int16GemmLoops f = FAST.int16Gemm();
        Int16GemmLoops s = new ScalarInt16GemmLoops(f.nr());
        int nr = f.nr(), mr = Int16GemmLoops.MR;
        for (int kb : new int[] {1, 2, 7, 31, 256}) {
            short[] a = new short[kb * mr + 3], b = new short[kb * nr + 5];
            int[] packedRows = new int[kb + 2];
            int[] windows = new int[kb + 2]; // rows read in place: anywhere in b, overlapping, any order
            for (int k = 0; k < kb; k++) {
                packedRows[k + 2] = k * nr;
                windows[k + 2] = rnd.nextInt(b.length - 5 - nr + 1);
            }
            for (int i = 0; i < a.length; i++) {
                a[i] = (short) (rnd.nextInt(511) - 255);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (short) (rnd.nextInt(511) - 255);
            }
            for (int run : new int[] {1, 2, 3, 8, 300}) {
                int ldc = nr + 2;
                int[] x = new int[1 + mr * ldc], y = new int[1 + mr * ldc];
                for (int i = 0; i < x.length; i++) {
                    x[i] = y[i] = rnd.nextInt();
                }
                for (int[] rows : new int[][] {packedRows, windows}) {
                    f.microKernel(kb, run, a, 3, b, 5, rows, 2, x, 1, ldc);
                    s.microKernel(kb, run, a, 3, b, 5, rows, 2, y, 1, ldc);
                    assertArrayEquals(y, x, "int16 microKernel kb=" + kb + " run=" + run);
                }
            }
        }
    }

    @Test
    void resampleRows() {
        ResampleLoops f = FAST.resample(), s = SCALAR.resample();
        for (int n = 0; n <= MAX_LEN; n++) {
            float[] src = random(2 * n + 1);
            float[] x = new float[n + 1], y = new float[n + 1];
            f.copyEvery2(src, 1, x, 1, n);
            s.copyEvery2(src, 1, y, 1, n);
            assertArrayEquals(y, x, "copyEvery2 n=" + n);
            int taps = 2 + n % 3, inner = n;
            float[] planes = random(6 * Math.max(1, inner));
            int[] idx = new int[taps];
            float[] w = random(taps);
            for (int t = 0; t < taps; t++) {
                idx[t] = rnd.nextInt(6);
            }
            f.blend(planes, 0, inner, idx, w, 0, taps, x, 1);
            s.blend(planes, 0, inner, idx, w, 0, taps, y, 1);
            assertClose(y, x, 1e-6f, "blend inner=" + inner);
        }
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
        }
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, float relative, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float tolerance = relative * Math.max(1f, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tolerance, what + " at " + i);
        }
    }
}
