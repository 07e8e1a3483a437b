package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import dev.lowbit.tensor.kernels.GemmPacking;
import dev.lowbit.tensor.kernels.Im2col;
import java.util.Arrays;

/**
 * ConvTranspose: per (image, group) col[M/g * taps, inPos] = W_g^T x X_g by GEMM, then col2im
 * scatters the columns into the (larger) output. Constant weights are packed (transposed) once.
 */
final class ConvTransposeForward {
    private final String label;
    private final ConvOps.ConvAttributes attrs;
    private final int[] outputPadding;
    private final int[] outputShape;
    private final GemmKernel gemm = Gemm.kernel();
    private final GemmPacked[] prepacked;

    private ConvTransposeForward(OpContext ctx) {
        this.label = ctx.node().label();
        this.attrs = ConvOps.ConvAttributes.parse(ctx);
        this.outputPadding = ctx.node().getIntArray("output_padding", null);
        this.outputShape = ctx.node().getIntArray("output_shape", null);
        Tensor w = ctx.constantInput(1);
        this.prepacked = w != null && w.dtype() == DType.FLOAT && w.rank() >= 3 ? packWeights(w) : null;
    }

    static Op create(OpContext ctx) {
        ConvTransposeForward op = new ConvTransposeForward(ctx);
        return inputs -> new Tensor[] {op.run(inputs[0], inputs[1], inputs.length > 2 ? inputs[2] : null)};
    }

    /** Per group, A = W_g^T where W_g is [C/g, M/g * taps]. */
    private GemmPacked[] packWeights(Tensor w) {
        int g = attrs.group();
        int cg = w.dim(0) / g;
        int rows = w.size() / w.dim(0);
        GemmPacked[] packed = new GemmPacked[g];
        for (int i = 0; i < g; i++) {
            packed[i] = GemmPacking.packA(gemm, true, rows, cg, w.floats(), i * cg * rows, rows, null);
        }
        return packed;
    }

    Tensor run(Tensor x, Tensor w, Tensor bias) {
        if (x.dtype() != DType.FLOAT || w.dtype() != DType.FLOAT || (bias != null && bias.dtype() != DType.FLOAT)) {
            throw new UnsupportedOpException(label + ": ConvTranspose supports float tensors only, got "
                    + x.dtype().onnxName());
        }
        int rank = x.rank() - 2;
        if (rank < 1 || w.rank() != x.rank()) {
            throw new IllegalArgumentException(label + ": ConvTranspose input " + x + " and weight " + w
                    + " ranks do not fit");
        }
        int batch = x.dim(0), channels = x.dim(1), group = attrs.group();
        if (w.dim(0) != channels || channels % group != 0) {
            throw new IllegalArgumentException(label + ": weight " + Arrays.toString(w.shapeRef()) + " does not fit "
                    + channels + " input channels in " + group + " groups");
        }
        int cg = channels / group, mg = w.dim(1), filters = mg * group;
        if (bias != null && bias.size() != filters) {
            throw new IllegalArgumentException(label + ": bias has " + bias.size() + " values for " + filters
                    + " output channels");
        }
        ConvGeometry geo = geometry(x.shapeRef(), w.shapeRef(), rank);
        int[] outShape = new int[x.rank()];
        outShape[0] = batch;
        outShape[1] = filters;
        System.arraycopy(geo.in(), 0, outShape, 2, rank);
        Tensor y = Tensor.zeros(DType.FLOAT, outShape);
        int ySize = geo.inSize(), xSize = geo.outSize(), taps = geo.kernelSize();
        if (ySize == 0 || batch == 0) {
            return y;
        }
        float[] xs = x.floats(), ws = w.floats(), ys = y.floats();
        int rows = mg * taps;
        Parallel.forRange(batch * group, 1, (t0, t1) -> {
            ConvScratch scratch = ConvScratch.get();
            for (int t = t0; t < t1; t++) {
                int n = t / group, g = t % group;
                float[] col = scratch.columns(rows * xSize);
                Arrays.fill(col, 0, rows * xSize, 0f);
                GemmPacked pa = prepacked != null ? prepacked[g]
                        : GemmPacking.packA(gemm, true, rows, cg, ws, g * cg * rows, rows, null);
                GemmPacked pb = GemmPacking.packB(gemm, false, cg, xSize, xs, (n * channels + g * cg) * xSize, xSize,
                        scratch.packed(GemmPacked.size(xSize, cg, gemm.nr())));
                gemm.multiply(pa, pb, 1f, col, 0, xSize);
                int yOff = (n * filters + g * mg) * ySize;
                Im2col.col2im(geo, col, mg, ys, yOff);
                if (bias != null) {
                    for (int m = 0; m < mg; m++) {
                        float bv = bias.floats()[g * mg + m];
                        for (int i = yOff + m * ySize, e = i + ySize; i < e; i++) {
                            ys[i] += bv;
                        }
                    }
                }
            }
        });
        return y;
    }

    /** Geometry with "in" = the output image and "out" = the input image (the adjoint convolution's view). */
    private ConvGeometry geometry(int[] xShape, int[] wShape, int rank) {
        int[] in = Arrays.copyOfRange(xShape, 2, xShape.length);
        int[] kernel = attrs.kernel(wShape, label);
        int[] strides = attrs.strides(rank);
        int[] dilations = attrs.dilations(rank);
        int[] pads = attrs.explicitPads(rank).clone();
        int[] extra = outputPadding == null ? new int[rank] : outputPadding;
        if (extra.length != rank) {
            throw new IllegalArgumentException(label + ": output_padding has " + extra.length + " values, expected "
                    + rank);
        }
        int[] target = null;
        if (outputShape != null) {
            target = outputShape.length == rank ? outputShape
                    : Arrays.copyOfRange(outputShape, outputShape.length - rank, outputShape.length);
        }
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int span = (kernel[i] - 1) * dilations[i] + 1;
            int full = strides[i] * (in[i] - 1) + extra[i] + span;
            String autoPad = attrs.autoPad();
            if (target != null || autoPad.startsWith("SAME")) {
                int want = target != null ? target[i] : in[i] * strides[i];
                int total = full - want;
                int half = Math.floorDiv(total, 2);
                // ONNX Runtime's convention: SAME_UPPER puts the smaller half first, otherwise the larger.
                pads[i] = autoPad.equals("SAME_UPPER") ? half : total - half;
                pads[i + rank] = total - pads[i];
            } else if (autoPad.equals("VALID")) {
                pads[i] = 0;
                pads[i + rank] = 0;
            }
            out[i] = full - pads[i] - pads[i + rank];
            if (out[i] < 0) {
                throw new IllegalArgumentException(label + ": ConvTranspose output size " + out[i] + " is negative");
            }
        }
        return new ConvGeometry(out, kernel, strides, dilations, Arrays.copyOf(pads, rank), in);
    }
}
