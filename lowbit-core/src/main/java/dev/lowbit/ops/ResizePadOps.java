package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.PadKernels;
import dev.lowbit.tensor.kernels.ResizeCoords;
import dev.lowbit.tensor.kernels.ResizeCoords.AxisMap;
import dev.lowbit.tensor.kernels.ResizeKernels;
import java.util.Arrays;
import java.util.Set;

/** Pad, Resize (opsets 10-19) and Upsample (7-9); also registers {@link GridSampleOps}
 * and {@link RoiAlignOps}. */
public final class ResizePadOps implements OpRegistry.Family {
    private static final Set<String> COORD_MODES = Set.of("half_pixel", "half_pixel_symmetric",
            "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize");
    private static final Set<String> NEAREST_MODES = Set.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil");

    @Override
    public void register(OpRegistry r) {
        r.register("Pad", ResizePadOps::pad);
        r.register("Resize", ResizePadOps::resize);
        r.register("Upsample", ResizePadOps::upsample);
        new GridSampleOps().register(r);
        new RoiAlignOps().register(r);
    }

    private static dev.lowbit.exec.Op pad(OpContext ctx) {
        String modeName = ctx.node().getString("mode", "constant");
        PadKernels.Mode mode = switch (modeName) {
            case "constant" -> PadKernels.Mode.CONSTANT;
            case "reflect" -> PadKernels.Mode.REFLECT;
            case "edge" -> PadKernels.Mode.EDGE;
            case "wrap" -> PadKernels.Mode.WRAP;
            default -> throw ctx.unsupported("Pad mode " + modeName);
        };
        int opset = ctx.opset();
        int[] attrPads = ctx.node().getIntArray(opset < 11 ? "pads" : "paddings", null);
        if (opset < 11 && attrPads == null) {
            attrPads = ctx.node().getIntArray("paddings", null);
        }
        float attrValue = ctx.node().getFloat("value", 0f);
        int[] fixedPads = attrPads;
        return in -> {
            Tensor x = in[0];
            int rank = x.rank();
            int[] pads;
            double value;
            Tensor valueTensor = null;
            int[] axes = null;
            if (opset < 11) {
                pads = fixedPads;
                value = attrValue;
            } else {
                pads = ShapeUtil.ints(in[1]);
                valueTensor = in.length > 2 ? in[2] : null;
                value = 0;
                axes = in.length > 3 && in[3] != null ? ShapeUtil.axes(ShapeUtil.ints(in[3]), rank) : null;
            }
            if (axes == null) {
                axes = new int[rank];
                for (int i = 0; i < rank; i++) {
                    axes[i] = i;
                }
            }
            if (pads == null || pads.length != 2 * axes.length) {
                throw new IllegalArgumentException("Pad: pads " + Arrays.toString(pads) + " do not match "
                        + axes.length + " axes");
            }
            int[] before = new int[rank];
            int[] after = new int[rank];
            for (int i = 0; i < axes.length; i++) {
                before[axes[i]] = pads[i];
                after[axes[i]] = pads[i + axes.length];
            }
            Tensor c = Tensor.zeros(x.dtype(), 1);
            if (valueTensor != null && valueTensor.size() > 0) {
                System.arraycopy(valueTensor.data(), 0, c.data(), 0, 1);
            } else if (x.dtype() != dev.lowbit.tensor.DType.STRING) {
                c.setDouble(0, value);
            }
            return new Tensor[] {PadKernels.pad(x, before, after, mode, c.data())};
        };
    }

    private static ResizeCoords.Mode mode(OpContext ctx, String m) {
        return switch (m) {
            case "nearest" -> ResizeCoords.Mode.NEAREST;
            case "linear", "bilinear" -> ResizeCoords.Mode.LINEAR;
            case "cubic" -> ResizeCoords.Mode.CUBIC;
            default -> throw ctx.unsupported("Resize mode " + m);
        };
    }

    private static dev.lowbit.exec.Op upsample(OpContext ctx) {
        ResizeCoords.Mode mode = mode(ctx, ctx.node().getString("mode", "nearest"));
        if (mode == ResizeCoords.Mode.CUBIC) {
            throw ctx.unsupported("Upsample mode cubic");
        }
        float[] attrScales = ctx.opset() < 9 ? ctx.node().getFloats("scales", null) : null;
        if (ctx.opset() < 9 && attrScales == null) {
            throw ctx.unsupported("Upsample without scales");
        }
        return in -> {
            float[] scales = attrScales != null ? attrScales : in[1].toFloatArray();
            return new Tensor[] {run(in[0], mode, "asymmetric", "simple", -0.75, false, 0,
                    toDoubles(scales), null, null, "stretch", null)};
        };
    }

    private static dev.lowbit.exec.Op resize(OpContext ctx) {
        var n = ctx.node();
        int opset = ctx.opset();
        ResizeCoords.Mode mode = mode(ctx, n.getString("mode", "nearest"));
        String coord = opset < 11 ? "asymmetric" : n.getString("coordinate_transformation_mode", "half_pixel");
        String nearest = opset < 11 ? "simple" : n.getString("nearest_mode", "round_prefer_floor");
        if (!COORD_MODES.contains(coord)) {
            throw ctx.unsupported("Resize coordinate_transformation_mode " + coord);
        }
        if (opset >= 11 && !NEAREST_MODES.contains(nearest)) {
            throw ctx.unsupported("Resize nearest_mode " + nearest);
        }
        if (n.getInt("antialias", 0) != 0) {
            throw ctx.unsupported("Resize antialias");
        }
        String policy = n.getString("keep_aspect_ratio_policy", "stretch");
        if (!Set.of("stretch", "not_larger", "not_smaller").contains(policy)) {
            throw ctx.unsupported("Resize keep_aspect_ratio_policy " + policy);
        }
        double cubicA = n.getFloat("cubic_coeff_a", -0.75f);
        boolean exclude = n.getInt("exclude_outside", 0) != 0;
        double extrapolation = n.getFloat("extrapolation_value", 0f);
        int[] axesAttr = n.getIntArray("axes", null);
        return in -> {
            Tensor roi = null, scales, sizes = null;
            if (opset < 11) {
                scales = in[1];
            } else {
                roi = in.length > 1 ? in[1] : null;
                scales = in.length > 2 ? in[2] : null;
                sizes = in.length > 3 ? in[3] : null;
            }
            double[] sc = scales != null && scales.size() > 0 ? toDoubles(scales.toFloatArray()) : null;
            int[] sz = sizes != null && sizes.size() > 0 ? ShapeUtil.ints(sizes) : null;
            double[] r = roi != null && roi.size() > 0 ? toDoubles(roi.toFloatArray()) : null;
            return new Tensor[] {run(in[0], mode, coord, nearest, cubicA, exclude, extrapolation, sc, sz, r,
                    policy, axesAttr)};
        };
    }

    /** Shared by Resize and Upsample: resolves scales/sizes per axis, builds tables, resizes. */
    static Tensor run(Tensor x, ResizeCoords.Mode mode, String coord, String nearest, double cubicA,
            boolean exclude, double extrapolation, double[] scalesIn, int[] sizesIn, double[] roiIn,
            String policy, int[] axesAttr) {
        int rank = x.rank();
        int[] axes = axesAttr == null ? null : ShapeUtil.axes(axesAttr, rank);
        int na = axes == null ? rank : axes.length;
        if (axes == null) {
            axes = new int[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
        }
        if ((scalesIn == null) == (sizesIn == null)) {
            throw new IllegalArgumentException("Resize: exactly one of scales and sizes must be given");
        }
        double[] scale = new double[rank];
        int[] outLen = x.shape();
        Arrays.fill(scale, 1.0);
        if (scalesIn != null) {
            check(scalesIn.length, na, "scales");
            for (int i = 0; i < na; i++) {
                if (scalesIn[i] <= 0) {
                    throw new IllegalArgumentException("Resize: scales must be positive, got " + scalesIn[i]);
                }
                scale[axes[i]] = scalesIn[i];
                outLen[axes[i]] = (int) Math.floor(x.dim(axes[i]) * scalesIn[i] + 1e-9);
            }
        } else {
            check(sizesIn.length, na, "sizes");
            if (policy.equals("stretch")) {
                for (int i = 0; i < na; i++) {
                    outLen[axes[i]] = sizesIn[i];
                    scale[axes[i]] = (double) sizesIn[i] / x.dim(axes[i]);
                }
            } else {
                double common = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
                for (int i = 0; i < na; i++) {
                    double s = (double) sizesIn[i] / x.dim(axes[i]);
                    common = policy.equals("not_larger") ? Math.min(common, s) : Math.max(common, s);
                }
                for (int i = 0; i < na; i++) {
                    scale[axes[i]] = common;
                    outLen[axes[i]] = (int) Math.rint(x.dim(axes[i]) * common);
                }
            }
        }
        double[] roiStart = new double[rank];
        double[] roiEnd = new double[rank];
        Arrays.fill(roiEnd, 1.0);
        if (roiIn != null && coord.equals("tf_crop_and_resize")) {
            int k = roiIn.length / 2;
            if (k == rank && na != rank) {
                for (int d = 0; d < rank; d++) {
                    roiStart[d] = roiIn[d];
                    roiEnd[d] = roiIn[d + rank];
                }
            } else {
                check(k, na, "roi/2");
                for (int i = 0; i < na; i++) {
                    roiStart[axes[i]] = roiIn[i];
                    roiEnd[axes[i]] = roiIn[i + na];
                }
            }
        }
        AxisMap[] maps = new AxisMap[rank];
        for (int d = 0; d < rank; d++) {
            boolean touched = outLen[d] != x.dim(d) || scale[d] != 1.0 || coord.equals("tf_crop_and_resize");
            if (touched) {
                maps[d] = ResizeCoords.build(mode, coord, nearest, cubicA, exclude, scale[d], x.dim(d), outLen[d],
                        roiStart[d], roiEnd[d]);
            }
        }
        return ResizeKernels.resize(x, maps, extrapolation);
    }

    private static void check(int got, int want, String what) {
        if (got != want) {
            throw new IllegalArgumentException("Resize: " + what + " has " + got + " entries, expected " + want);
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

}
