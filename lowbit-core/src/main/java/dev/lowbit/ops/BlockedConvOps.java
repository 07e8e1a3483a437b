package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ChannelBlocks;
import dev.lowbit.tensor.kernels.ConvDepthwiseBlocked;
import dev.lowbit.tensor.kernels.ConvDepthwiseKernel;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.ConvPointwiseKernel;
import dev.lowbit.tensor.kernels.VectorizationProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The engine's channel-blocked convolutions ({@link OpRegistry#ENGINE_DOMAIN}; see
 * {@link ChannelBlocks} for the layout): {@code ToBlocks} and {@code FromBlocks} convert at the
 * edges of a region, and {@code BlockedConv} runs a 1x1 Conv (one group, stride 1, unpadded; bias,
 * clamp, a residual in blocks as its 4th input) or a depthwise Conv (any stride, padding and
 * dilation; bias and clamp) with the attributes and constant weights of the Conv it replaces.
 *
 * <p>Why: MobileNet-style stacks alternate 1x1 and depthwise convolutions. On NCHW the depthwise
 * kernel either masks vector lanes at every plane's edges (in place) or transposes each block of
 * planes into channel-interleaved order and back; in blocks, channels are the vector lanes with
 * nothing to mask and nothing to transpose, and the 1x1 convolution puts its output channels in the
 * lanes too. The 1x1's values are the NCHW kernel's bit for bit (the same sums in the same order);
 * the depthwise values are those of the channel-blocked NCHW path. Quantized convolutions run here
 * too, on values shifted by their zero points ({@link QuantizedBlocks}): ToBlocks and FromBlocks
 * then convert 8-bit tensors, and BlockedConv requantizes in its epilogue.
 */
public final class BlockedConvOps {
    public static final String TO_BLOCKS = "ToBlocks";
    public static final String FROM_BLOCKS = "FromBlocks";
    public static final String BLOCKED_CONV = "BlockedConv";
    /** GlobalAveragePool of a blocked tensor, giving the NCHW [N, C, 1, 1] (attribute {@link #CHANNELS}). */
    public static final String AVERAGE_BLOCKS = "GlobalAveragePoolBlocks";
    /** FromBlocks' and GlobalAveragePoolBlocks' attribute: the channels of the NCHW tensor they make. */
    public static final String CHANNELS = "channels";

    private static final ConvPointwiseKernel POINTWISE = VectorizationProvider.get().pointwiseConv();
    private static final ConvDepthwiseKernel DEPTHWISE = VectorizationProvider.get().depthwiseConv();
    /** Channels per block: the depthwise kernel's vector lanes. */
    public static final int LANES = DEPTHWISE.blockLanes();

    private BlockedConvOps() {
    }

    static void register(OpRegistry r) {
        r.register(OpRegistry.ENGINE_DOMAIN, TO_BLOCKS, 1, BlockedConvOps::toBlocks);
        r.register(OpRegistry.ENGINE_DOMAIN, FROM_BLOCKS, 1, BlockedConvOps::fromBlocks);
        r.register(OpRegistry.ENGINE_DOMAIN, BLOCKED_CONV, 1, BlockedConvOps::conv);
        r.register(OpRegistry.ENGINE_DOMAIN, AVERAGE_BLOCKS, 1, BlockedConvOps::averageBlocks);
    }

    /** Float NCHW to blocks; 8-bit NCHW to blocks of values shifted by attribute {@code zero_point}. */
    private static Op toBlocks(OpContext ctx) {
        int zp = (int) ctx.node().getInt(QuantizedBlocks.ZERO_POINT, 0);
        return in -> {
            Tensor x = in[0];
            boolean bytes = x.dtype() == DType.UINT8 || x.dtype() == DType.INT8;
            if ((x.dtype() != DType.FLOAT && !bytes) || x.rank() != 4) {
                throw new IllegalArgumentException("ToBlocks expects a float or 8-bit NCHW tensor, got " + x);
            }
            int batch = x.dim(0), channels = x.dim(1), blocks = ChannelBlocks.blocks(channels, LANES);
            int positions = x.dim(2) * x.dim(3);
            float[] out = BufferPool.floatsUninitialized(batch * blocks * positions * LANES);
            if (bytes) {
                ChannelBlocks.toBlocks(x.bytes(), x.dtype() == DType.UINT8, zp, batch, channels, positions, LANES, out);
            } else {
                ChannelBlocks.toBlocks(x.floats(), batch, channels, positions, LANES, out);
            }
            return new Tensor[] {Tensor.wrap(DType.FLOAT, new int[] {batch, blocks, x.dim(2), x.dim(3), LANES}, out)};
        };
    }

    /** Blocks to float NCHW; with attribute {@code to} (an 8-bit type), shifted blocks plus {@code zero_point} to bytes. */
    private static Op fromBlocks(OpContext ctx) {
        int channels = (int) ctx.node().getInt(CHANNELS, -1);
        long to = ctx.node().getInt(QuantizedBlocks.TO, -1);
        DType type = to < 0 ? DType.FLOAT : DType.fromOnnx((int) to);
        int zp = (int) ctx.node().getInt(QuantizedBlocks.ZERO_POINT, 0);
        return in -> {
            Tensor x = in[0];
            if (x.rank() != 5 || x.dim(4) != LANES || ChannelBlocks.blocks(channels, LANES) != x.dim(1)) {
                throw new IllegalArgumentException("FromBlocks: " + x + " does not hold " + channels + " channels");
            }
            int batch = x.dim(0), positions = x.dim(2) * x.dim(3);
            int[] shape = {batch, channels, x.dim(2), x.dim(3)};
            if (type != DType.FLOAT) {
                Tensor out = Tensor.zeros(type, shape);
                ChannelBlocks.fromBlocks(x.floats(), zp, batch, channels, positions, LANES, out.bytes());
                return new Tensor[] {out};
            }
            float[] out = BufferPool.floatsUninitialized(batch * channels * positions);
            ChannelBlocks.fromBlocks(x.floats(), batch, channels, positions, LANES, out);
            return new Tensor[] {Tensor.wrap(DType.FLOAT, shape, out)};
        };
    }

    private static Op averageBlocks(OpContext ctx) {
        int channels = (int) ctx.node().getInt(CHANNELS, -1);
        return in -> {
            Tensor x = in[0];
            if (x.rank() != 5 || x.dim(4) != LANES || ChannelBlocks.blocks(channels, LANES) != x.dim(1)) {
                throw new IllegalArgumentException("GlobalAveragePoolBlocks: " + x + " does not hold " + channels
                        + " channels");
            }
            int batch = x.dim(0);
            float[] out = BufferPool.floatsUninitialized(batch * channels);
            ChannelBlocks.averageBlocks(x.floats(), batch, channels, x.dim(2) * x.dim(3), LANES, out);
            return new Tensor[] {Tensor.wrap(DType.FLOAT, new int[] {batch, channels, 1, 1}, out)};
        };
    }

    private static Op conv(OpContext ctx) {
        Node n = ctx.node();
        Tensor w = ctx.constantInput(1);
        Tensor b = n.hasInput(2) ? ctx.constantInput(2) : null;
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 4 || (n.hasInput(2) && b == null)) {
            throw ctx.unsupported("BlockedConv needs a constant float 2-D weight and bias");
        }
        int filters = w.dim(0), blocks = ChannelBlocks.blocks(filters, LANES);
        float[] bias = new float[blocks * LANES];
        if (b != null) {
            System.arraycopy(b.floats(), 0, bias, 0, filters);
        }
        boolean clamp = n.has(ConvForward.FUSED_MIN) || n.has(ConvForward.FUSED_MAX);
        float lo = n.getFloat(ConvForward.FUSED_MIN, Float.NEGATIVE_INFINITY);
        float hi = n.getFloat(ConvForward.FUSED_MAX, Float.POSITIVE_INFINITY);
        boolean residual = n.getInt(ConvForward.FUSED_ADD, 0) != 0;
        float[] mult = n.getFloats(QuantizedBlocks.REQUANTIZE, null);
        float[] scale = mult == null ? null : Arrays.copyOf(mult, blocks * LANES);
        float[] addParams = n.getFloats(QuantizedBlocks.RESIDUAL_ADD, null);
        QuantizedBlocks.ResidualAdd add = addParams == null ? null : QuantizedBlocks.ResidualAdd.of(addParams);
        if (mult != null && (mult.length != filters || residual != (add != null))) {
            throw ctx.unsupported("BlockedConv requantizes with one multiplier per output channel, and takes a "
                    + "residual only as a folded QLinearAdd");
        }
        if (w.dim(1) == 1 && n.getInt("group", 1) == filters && filters > 1) {
            ConvForward geometry = ConvForward.of(weightOnly(ctx, w));
            ConvDepthwiseBlocked.Weights weights = ConvDepthwiseBlocked.Weights.of(DEPTHWISE, w.floats(),
                    b == null ? null : b.floats(), filters, w.size() / filters);
            return in -> new Tensor[] {depthwise(in[0], geometry, w, weights, filters, clamp, lo, hi, scale)};
        }
        if (w.dim(2) != 1 || w.dim(3) != 1 || n.getInt("group", 1) != 1) {
            throw ctx.unsupported("BlockedConv runs 1x1 and depthwise convolutions only");
        }
        int channels = w.dim(1);
        float[] wT = new float[blocks * channels * LANES];
        float[] wf = w.floats();
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                wT[((f / LANES) * channels + c) * LANES + f % LANES] = wf[f * channels + c];
            }
        }
        return in -> new Tensor[] {pointwise(in[0], residual && in.length > 3 ? in[3] : null, wT, channels, filters,
                bias, scale, add, lo, hi)};
    }

    /**
     * The 1x1 convolution, task by task; with {@code add}, each task's requantized output region
     * then gets the folded QLinearAdd with {@code res} while it is still in cache.
     */
    private static Tensor pointwise(Tensor x, Tensor res, float[] wT, int channels, int filters, float[] bias,
            float[] scale, QuantizedBlocks.ResidualAdd add, float lo, float hi) {
        int batch = x.dim(0), blocks = ChannelBlocks.blocks(filters, LANES);
        if (x.rank() != 5 || x.dim(4) != LANES || x.dim(1) != ChannelBlocks.blocks(channels, LANES)) {
            throw new IllegalArgumentException("BlockedConv: input " + x + " does not hold " + channels + " channels");
        }
        int positions = x.dim(2) * x.dim(3);
        int[] shape = {batch, blocks, x.dim(2), x.dim(3), LANES};
        if (res != null && !Arrays.equals(res.shapeRef(), shape)) {
            throw new IllegalArgumentException("BlockedConv: residual " + res + " does not match its output");
        }
        float[] y = BufferPool.floatsUninitialized(batch * blocks * positions * LANES);
        float[] xs = x.floats(), rs = res == null ? null : res.floats();
        int inImage = x.dim(1) * positions * LANES, outImage = blocks * positions * LANES;
        // Tasks are images; with fewer images than two per thread, groups of output-block pairs and
        // runs of positions (whole tiles of 8) within them.
        int want = 2 * Parallel.threads();
        int pairs = (blocks + 1) / 2;
        int perImage = Math.max(1, Math.min(pairs, ceilDiv(want, batch)));
        int per = 2 * ceilDiv(pairs, perImage);
        int groups = ceilDiv(blocks, per);
        int chunks = Math.max(1, Math.min(ceilDiv(positions, 64), ceilDiv(want, batch * groups)));
        int span = 8 * ceilDiv(ceilDiv(positions, chunks), 8);
        int runs = ceilDiv(positions, span);
        Parallel.forRange(batch * groups * runs, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int n = t / (groups * runs), g = (t / runs) % groups, q0 = (t % runs) * span;
                int q1 = Math.min(positions, q0 + span), fb0 = g * per, fb1 = Math.min(blocks, (g + 1) * per);
                POINTWISE.blocked(wT, channels, LANES, bias, xs, n * inImage, positions, q0, q1, fb0, fb1, y,
                        n * outImage, add == null ? rs : null, scale, lo, hi);
                for (int fb = fb0; add != null && fb < fb1; fb++) {
                    add.apply(y, rs, n * outImage + (fb * positions + q0) * LANES, (q1 - q0) * LANES);
                }
            }
        });
        return Tensor.wrap(DType.FLOAT, shape, y);
    }

    private static Tensor depthwise(Tensor x, ConvForward geometry, Tensor w, ConvDepthwiseBlocked.Weights weights,
            int channels, boolean clamp, float lo, float hi, float[] scale) {
        if (x.rank() != 5 || x.dim(4) != LANES || x.dim(1) != ChannelBlocks.blocks(channels, LANES)) {
            throw new IllegalArgumentException("BlockedConv: input " + x + " does not hold " + channels + " channels");
        }
        int batch = x.dim(0);
        ConvGeometry geo = geometry.geometry(new int[] {batch, channels, x.dim(2), x.dim(3)}, w.shapeRef(), 2);
        int[] shape = {batch, x.dim(1), geo.out()[0], geo.out()[1], LANES};
        float[] y = BufferPool.floatsUninitialized(batch * x.dim(1) * geo.outSize() * LANES);
        ConvDepthwiseBlocked.runOnBlocks(DEPTHWISE, geo, weights, x.floats(), batch, channels, y, clamp, lo, hi, scale);
        return Tensor.wrap(DType.FLOAT, shape, y);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** A context for a Conv with the node's attributes and weight only (for its geometry). */
    private static OpContext weightOnly(OpContext ctx, Tensor w) {
        Graph g = new Graph("blocked");
        g.setInitializer("w", w);
        Node conv = new Node("Conv", ctx.node().name() + "/geometry", new ArrayList<>(List.of("x", "w")),
                new ArrayList<>(List.of("y")));
        for (String a : List.of("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad")) {
            if (ctx.node().has(a)) {
                conv.set(ctx.node().attributes().get(a));
            }
        }
        return new OpContext(conv, 11, g);
    }
}
