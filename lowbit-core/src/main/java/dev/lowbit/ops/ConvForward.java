package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.kernels.BinaryFloatKernels;
import dev.lowbit.tensor.kernels.BroadcastPlan;
import dev.lowbit.tensor.kernels.Clamp;
import dev.lowbit.tensor.kernels.ConvEpilogue;
import dev.lowbit.tensor.kernels.ConvDepthwiseBlocked;
import dev.lowbit.tensor.kernels.ConvDepthwiseInPlace;
import dev.lowbit.tensor.kernels.ConvDepthwiseKernel;
import dev.lowbit.tensor.kernels.ConvDirectKernel;
import dev.lowbit.tensor.kernels.ConvFilterLanes;
import dev.lowbit.tensor.kernels.ConvFilterLanesKernel;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import dev.lowbit.tensor.kernels.GemmPacking;
import dev.lowbit.tensor.kernels.VectorizationProvider;
import java.util.Arrays;

/**
 * Conv, by one of four paths: depthwise convolutions (one input and one output channel per group)
 * run in place on small stride-1 maps ({@link ConvDepthwiseInPlace}), else channel-blocked on small
 * maps ({@link ConvDepthwiseBlocked}), else a direct per-plane kernel; 1x1 convolutions a GEMM per
 * image on the input as it lies
 * ({@link ConvPointwise}); 2-D convolutions on feature maps big enough that little of a
 * register tile is wasted run {@link ConvDirect} (no im2col); the rest (tiny maps, 1-D, 3-D) run
 * {@link ConvGemm}, an im2col GEMM whose columns span the images of the batch, with taps that only
 * ever read padding dropped ({@link ConvTapWindow}). All paths apply the epilogue the engine's graph
 * optimiser fused in: bias, a residual Add ({@link #FUSED_ADD}) and a Relu/Clip clamp. Constant
 * weights are packed once.
 */
public final class ConvForward {
    private final String label;
    private final ConvOps.ConvAttributes attrs;
    private final GemmKernel gemm = Gemm.kernel();
    private final ConvDepthwiseKernel depthwise = VectorizationProvider.get().depthwiseConv();
    /** Weights packed per group when the weight is an initializer, else null. */
    private final GemmPacked[] prepacked;
    private final ConvDirectKernel directKernel = VectorizationProvider.get().directConv();
    private final boolean constantWeight;
    /** The bias is an initializer or absent (then blocked depthwise weights can be made once). */
    private final boolean constantBias;
    /** Constant depthwise weights and bias in channel blocks, made on first use. */
    private volatile ConvDepthwiseBlocked.Weights blockedDepthwise;
    /** The in-place depthwise plan of the last input geometry seen (it depends on the input's size only). */
    private volatile InPlacePlan inPlacePlan;
    /** Constant weights packed for the direct kernel, made on first use (not every Conv takes that path). */
    private volatile float[][] directPacked;
    private final ConvFilterLanesKernel filterLanes = VectorizationProvider.get().filterLanesConv();
    /** Constant weights packed for the filter-lane kernel, made on first use. */
    private volatile float[] filterLanesPacked;
    private volatile float[] filterLanesPackedBias;
    /** Constant weights cut to tap windows of small inputs and packed, per window. */
    private final java.util.Map<Long, GemmPacked[]> windowPacked = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code -Dlowbit.conv.direct=false} turns the direct path off (for measurements). */
    private static final boolean DIRECT_ENABLED = !"false".equals(System.getProperty("lowbit.conv.direct"));

    /** {@code -Dlowbit.conv.filterlanes=false} turns the filter-lane path off (measurements; tests set it directly). */
    static volatile boolean filterLanesEnabled = !"false".equals(System.getProperty("lowbit.conv.filterlanes"));

    /** {@code -Dlowbit.depthwise.inplace=false} turns the in-place depthwise path off (for measurements). */
    private static final boolean IN_PLACE_ENABLED = !"false".equals(System.getProperty("lowbit.depthwise.inplace"));

    /** Node attributes (set only by lowbit's own graph optimiser) asking for a clamp of the output. */
    public static final String FUSED_MIN = "lowbit_fused_clip_min";
    public static final String FUSED_MAX = "lowbit_fused_clip_max";

    /** A Relu/Clip fused into this Conv by the engine's graph optimiser (see ActivationFusion): clamp bounds. */
    private final float clampMin;
    private final float clampMax;
    private final boolean clamp;

    /**
     * Node attribute (set only by lowbit's graph optimiser, see ResidualFusion): the node has a 4th
     * input, a tensor added to the output before the clamp (a fused residual Add).
     */
    public static final String FUSED_ADD = "lowbit_fused_add";
    private final boolean residualInput;

    private ConvForward(OpContext ctx) {
        this.label = ctx.node().label();
        this.clampMin = ctx.node().getFloat(FUSED_MIN, Float.NEGATIVE_INFINITY);
        this.clampMax = ctx.node().getFloat(FUSED_MAX, Float.POSITIVE_INFINITY);
        this.clamp = ctx.node().has(FUSED_MIN) || ctx.node().has(FUSED_MAX);
        this.attrs = ConvOps.ConvAttributes.parse(ctx);
        Tensor w = ctx.constantInput(1);
        this.constantWeight = w != null;
        this.constantBias = !ctx.node().hasInput(2) || ctx.constantInput(2) != null;
        this.residualInput = ctx.node().getInt(FUSED_ADD, 0) != 0;
        // Depthwise weights (one input channel per output channel, 2-D) go to the direct kernel unpacked.
        boolean depthwiseShape = w != null && w.rank() == 4 && w.dim(1) == 1 && w.dim(0) == attrs.group();
        this.prepacked = w != null && w.dtype() == DType.FLOAT && w.rank() >= 3 && !depthwiseShape
                ? packWeights(w.floats(), w.dim(0), w.size() / w.dim(0)) : null;
    }

    /** The Conv of {@code ctx}'s node, for ops that run convolutions as parts of their own work. */
    static ConvForward of(OpContext ctx) {
        return new ConvForward(ctx);
    }

    static Op create(OpContext ctx) {
        ConvForward conv = new ConvForward(ctx);
        return inputs -> new Tensor[] {conv.run(inputs[0], inputs[1], inputs.length > 2 ? inputs[2] : null,
                conv.residualInput && inputs.length > 3 ? inputs[3] : null)};
    }

    /** Weights packed for the direct kernel: once for a constant weight (on first use), else per run. */
    private float[][] directWeights(Tensor w) {
        float[][] packed = directPacked;
        if (packed != null && constantWeight) {
            return packed;
        }
        int g = attrs.group();
        int mg = w.dim(0) / g;
        int k = w.size() / w.dim(0);
        packed = new float[g][];
        for (int i = 0; i < g; i++) {
            packed[i] = ConvDirectKernel.packWeights(w.floats(), i * mg * k, mg, k);
        }
        if (constantWeight) {
            directPacked = packed;
        }
        return packed;
    }

    /** Weights packed for the filter-lane kernel: once for a constant weight (on first use), else per run. */
    private float[] filterLanesWeights(Tensor w) {
        float[] packed = filterLanesPacked;
        if (packed != null && constantWeight) {
            return packed;
        }
        packed = ConvFilterLanes.packWeights(w.floats(), w.dim(0), w.size() / w.dim(0), filterLanes.lanes());
        if (constantWeight) {
            filterLanesPacked = packed;
        }
        return packed;
    }

    /** The bias packed for the filter-lane kernel: once for a constant (or no) bias, else per run. */
    private float[] filterLanesBias(float[] bias, int filters) {
        float[] packed = filterLanesPackedBias;
        if (packed != null && constantBias) {
            return packed;
        }
        packed = ConvFilterLanes.packBias(bias, filters, filterLanes.lanes());
        if (constantBias) {
            filterLanesPackedBias = packed;
        }
        return packed;
    }

    /** Depthwise weights and bias in channel blocks: once when both are constant, else per run. */
    private ConvDepthwiseBlocked.Weights blockedWeights(float[] w, float[] bias, int channels, int taps) {
        ConvDepthwiseBlocked.Weights cached = blockedDepthwise;
        if (cached != null) {
            return cached;
        }
        ConvDepthwiseBlocked.Weights made = ConvDepthwiseBlocked.Weights.of(depthwise, w, bias, channels, taps);
        if (constantWeight && constantBias) {
            blockedDepthwise = made;
        }
        return made;
    }

    private record InPlacePlan(int[] in, ConvDepthwiseInPlace.Plan plan) {
    }

    private ConvDepthwiseInPlace.Plan inPlacePlan(ConvGeometry geo) {
        InPlacePlan cached = inPlacePlan;
        if (cached != null && Arrays.equals(cached.in(), geo.in())) {
            return cached.plan();
        }
        ConvDepthwiseInPlace.Plan plan = ConvDepthwiseInPlace.Plan.of(geo, depthwise.blockLanes());
        inPlacePlan = new InPlacePlan(geo.in().clone(), plan);
        return plan;
    }

    /** Weights W[filters, k] packed per group for the GEMM. */
    private GemmPacked[] packWeights(float[] w, int filters, int k) {
        int g = attrs.group();
        int mg = filters / g;
        GemmPacked[] packed = new GemmPacked[g];
        for (int i = 0; i < g; i++) {
            packed[i] = GemmPacking.packA(gemm, false, mg, k, w, i * mg * k, k, null);
        }
        return packed;
    }

    /** Weights cut to the live taps of a small feature map (see ConvTapWindow), cached for constant weights. */
    private GemmPacked[] windowWeights(Tensor w, ConvTapWindow window) {
        if (constantWeight) {
            GemmPacked[] cached = windowPacked.get(window.key());
            if (cached != null) {
                return cached;
            }
        }
        int filters = w.dim(0), channels = w.dim(1), kH = w.dim(2), kW = w.dim(3);
        float[] sliced = window.slice(w.floats(), filters, channels, kH, kW);
        GemmPacked[] packed = packWeights(sliced, filters, sliced.length / filters);
        if (constantWeight) {
            windowPacked.put(window.key(), packed);
        }
        return packed;
    }

    Tensor run(Tensor x, Tensor w, Tensor bias, Tensor residual) {
        if (residual != null && (residual.dtype() != DType.FLOAT || !Arrays.equals(residual.shapeRef(),
                outputShape(x, w)))) {
            // A broadcasting residual: convolve, then add as the Add node would have, then clamp.
            Tensor y = run(x, w, bias, null, false);
            if (residual.dtype() != DType.FLOAT) {
                throw new UnsupportedOpException(label + ": fused Add of a " + residual.dtype().onnxName() + " tensor");
            }
            BroadcastPlan plan = BroadcastPlan.of(y.shapeRef(), residual.shapeRef());
            Tensor sum = Tensor.of(BinaryFloatKernels.apply(BinaryFloatKernels.Op.ADD, y.floats(), residual.floats(),
                    plan), plan.outShape());
            if (clamp) {
                Clamp.apply(sum.floats(), 0, sum.size(), clampMin, clampMax);
            }
            return sum;
        }
        return run(x, w, bias, residual, clamp);
    }

    private int[] outputShape(Tensor x, Tensor w) {
        int rank = x.rank() - 2;
        if (rank < 1 || w.rank() != x.rank()) {
            return null;
        }
        int[] out = x.shape();
        out[1] = w.dim(0);
        System.arraycopy(geometry(x.shapeRef(), w.shapeRef(), rank).out(), 0, out, 2, rank);
        return out;
    }

    private Tensor run(Tensor x, Tensor w, Tensor bias, Tensor residual, boolean clamp) {
        if (x.dtype() != DType.FLOAT || w.dtype() != DType.FLOAT || (bias != null && bias.dtype() != DType.FLOAT)) {
            throw new UnsupportedOpException(label + ": Conv supports float tensors only, got " + x.dtype().onnxName());
        }
        int rank = x.rank() - 2;
        if (rank < 1 || w.rank() != x.rank()) {
            throw new IllegalArgumentException(label + ": Conv input " + x + " and weight " + w + " ranks do not fit");
        }
        int batch = x.dim(0), channels = x.dim(1), filters = w.dim(0), group = attrs.group();
        if (channels % group != 0 || filters % group != 0 || w.dim(1) * group != channels) {
            throw new IllegalArgumentException(label + ": weight " + Arrays.toString(w.shapeRef()) + " does not fit "
                    + channels + " input channels in " + group + " groups");
        }
        if (bias != null && bias.size() != filters) {
            throw new IllegalArgumentException(label + ": bias has " + bias.size() + " values for " + filters + " filters");
        }
        ConvGeometry geo = geometry(x.shapeRef(), w.shapeRef(), rank);
        int[] outShape = new int[x.rank()];
        outShape[0] = batch;
        outShape[1] = filters;
        System.arraycopy(geo.out(), 0, outShape, 2, rank);
        int cg = channels / group, mg = filters / group;
        int inSize = geo.inSize(), outSize = geo.outSize(), taps = geo.kernelSize();
        if (outSize == 0 || batch == 0) {
            return Tensor.zeros(DType.FLOAT, outShape);
        }
        // Every path below writes every output element, so the array need not be zeroed first.
        Tensor y = Tensor.wrap(DType.FLOAT, outShape, BufferPool.floatsUninitialized(batch * filters * outSize));
        float[] xs = x.floats(), ws = w.floats(), ys = y.floats();
        float[] bs = bias == null ? null : bias.floats();
        float[] rs = residual == null ? null : residual.floats();
        // The direct kernel is for depthwise convs (one input and one output channel per group); a conv
        // from one input channel to many filters (a stem) is a GEMM over all filters at once.
        boolean direct = cg == 1 && mg == 1 && rank == 2;
        if (direct && IN_PLACE_ENABLED && ConvDepthwiseInPlace.suits(geo)) {
            ConvDepthwiseInPlace.run(depthwise, inPlacePlan(geo), xs, ws, bs, batch, channels, ys, rs, clamp,
                    clampMin, clampMax);
            return y;
        }
        if (direct && ConvDepthwiseBlocked.suits(geo)) {
            ConvDepthwiseBlocked.run(depthwise, geo, blockedWeights(ws, bs, group, taps), xs, batch, channels, ys, rs,
                    clamp, clampMin, clampMax);
            return y;
        }
        if (direct) {
            // Phase planes + one flat vector loop per channel, finished (bias, residual, clamp) while
            // copying the rows out: the same for every stride.
            ConvDirectKernel.Plan plan = ConvDirectKernel.Plan.of(geo, 1);
            int outH = geo.out()[0], outW = geo.out()[1];
            Parallel.forRange(batch * group, 1, (t0, t1) -> {
                ConvScratch scratch = ConvScratch.get();
                float[] planes = scratch.phasePlanes(plan.planesSize(ConvDepthwiseKernel.PLANE_SLACK));
                float[] acc = scratch.tile(ConvDepthwiseKernel.flatSize(plan));
                for (int t = t0; t < t1; t++) {
                    int n = t / group, g = t % group;
                    ConvDirectKernel.buildPlanes(plan, xs, (n * channels + g) * inSize, planes,
                            ConvDepthwiseKernel.PLANE_SLACK);
                    depthwise.flat(plan, planes, ws, g * taps, acc);
                    ConvEpilogue.finishRows(acc, 0, plan.phW(), ys, (n * filters + g) * outSize, outH, outW,
                            bs == null ? 0f : bs[g], rs, clamp, clampMin, clampMax);
                }
            });
            return y;
        }
        if (prepacked != null && ConvPointwise.suits(geo, group)) {
            ConvPointwise.run(prepacked[0], new ConvGemm.Problem(geo, batch, channels, filters, group, xs, prepacked,
                    bs, rs, ys, clamp, clampMin, clampMax));
            return y;
        }
        if (runOnPlanes(geo, batch, channels, w, ConvDirectKernel.PlaneSource.of(xs), bs, rs, ys, clamp)) {
            return y;
        }
        ConvTapWindow window = ConvTapWindow.of(geo);
        GemmPacked[] packedW;
        if (window != null) {
            packedW = windowWeights(w, window);
            geo = window.geometry(geo);
        } else {
            packedW = prepacked != null ? prepacked : packWeights(w.floats(), w.dim(0), w.size() / w.dim(0));
        }
        ConvGemm.run(gemm, new ConvGemm.Problem(geo, batch, channels, filters, group, xs, packedW, bs, rs, ys, clamp,
                clampMin, clampMax));
        return y;
    }

    /**
     * This Conv (no bias, residual or clamp) over an 8-bit input held as {@code x - zeroPoint}, for a
     * quantized convolution's exact float accumulation: on the paths that copy each image into
     * phase planes (filter lanes, direct) the bytes are converted while the planes are built, which
     * saves a pass over the whole input; null on the other paths, whose callers convert first and
     * call {@link #run}.
     */
    Tensor runShifted(byte[] x, boolean unsigned, int zeroPoint, int[] xShape, Tensor w) {
        int rank = xShape.length - 2;
        if (rank != 2 || w.rank() != 4 || w.dtype() != DType.FLOAT || residualInput || clamp) {
            return null;
        }
        int batch = xShape[0], channels = xShape[1], filters = w.dim(0), group = attrs.group();
        if (channels % group != 0 || filters % group != 0 || w.dim(1) * group != channels) {
            return null;
        }
        ConvGeometry geo = geometry(xShape, w.shapeRef(), rank);
        int cg = channels / group, mg = filters / group;
        if (geo.outSize() == 0 || batch == 0 || (cg == 1 && mg == 1)
                || (prepacked != null && ConvPointwise.suits(geo, group))) {
            return null;
        }
        Tensor y = Tensor.wrap(DType.FLOAT, new int[] {batch, filters, geo.out()[0], geo.out()[1]},
                BufferPool.floatsUninitialized(batch * filters * geo.outSize()));
        if (runOnPlanes(geo, batch, channels, w, ConvDirectKernel.PlaneSource.shifted(x, unsigned, zeroPoint), null,
                null, y.floats(), false)) {
            return y;
        }
        BufferPool.release(y.floats());
        return null;
    }

    /**
     * The paths that copy each image into phase planes, for a Conv the depthwise and 1x1 paths did
     * not take: filter lanes, else the direct kernel, reading the images from {@code x}. False when
     * neither suits (the caller takes the GEMM).
     */
    private boolean runOnPlanes(ConvGeometry geo, int batch, int channels, Tensor w, ConvDirectKernel.PlaneSource x,
            float[] bias, float[] residual, float[] y, boolean clamp) {
        int filters = w.dim(0), group = attrs.group(), cg = channels / group;
        if (filterLanesEnabled && ConvFilterLanes.suits(geo, group, filters, filterLanes)) {
            ConvFilterLanes.run(filterLanes, ConvDirectKernel.Plan.of(geo, channels), filterLanesWeights(w),
                    filterLanesBias(bias, filters), x, batch, filters, y, residual, clamp, clampMin, clampMax);
            return true;
        }
        if (DIRECT_ENABLED && ConvDirect.suits(geo, cg * geo.kernelSize(), directKernel)) {
            ConvGemm.Problem p = new ConvGemm.Problem(geo, batch, channels, filters, group, null, null, bias, residual,
                    y, clamp, clampMin, clampMax);
            ConvDirect.run(directKernel, ConvDirectKernel.Plan.of(geo, cg), directWeights(w), p, x);
            return true;
        }
        return false;
    }

    ConvGeometry geometry(int[] xShape, int[] wShape, int rank) {
        int[] in = Arrays.copyOfRange(xShape, 2, xShape.length);
        int[] kernel = attrs.kernel(wShape, label);
        int[] strides = attrs.strides(rank);
        int[] dilations = attrs.dilations(rank);
        int[] pads = attrs.explicitPads(rank).clone();
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int span = (kernel[i] - 1) * dilations[i] + 1;
            switch (attrs.autoPad()) {
                case "VALID" -> {
                    pads[i] = 0;
                    pads[i + rank] = 0;
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    int o = (in[i] + strides[i] - 1) / strides[i];
                    int total = Math.max(0, (o - 1) * strides[i] + span - in[i]);
                    int small = total / 2;
                    pads[i] = attrs.autoPad().equals("SAME_UPPER") ? small : total - small;
                    pads[i + rank] = total - pads[i];
                }
                default -> {
                }
            }
            int padded = in[i] + pads[i] + pads[i + rank];
            out[i] = padded < span ? 0 : (padded - span) / strides[i] + 1;
        }
        return new ConvGeometry(in, kernel, strides, dilations, Arrays.copyOf(pads, rank), out);
    }
}
