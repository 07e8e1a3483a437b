package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ResizeCoords;

/**
 * GridSample on 4-D float/double inputs (opset 16; opset 20's 2-D spatial case), following
 * PyTorch's grid_sampler: nearest and bilinear sample clipped/reflected coordinates, bicubic
 * bounds each of its 16 taps instead.
 */
public final class GridSampleOps implements OpRegistry.Family {
    private enum Mode { NEAREST, LINEAR, CUBIC }

    private enum Padding { ZEROS, BORDER, REFLECTION }

    @Override
    public void register(OpRegistry r) {
        r.register("GridSample", ctx -> {
            String m = ctx.node().getString("mode", ctx.opset() >= 20 ? "linear" : "bilinear");
            Mode mode = switch (m) {
                case "nearest" -> Mode.NEAREST;
                case "bilinear", "linear" -> Mode.LINEAR;
                case "bicubic", "cubic" -> Mode.CUBIC;
                default -> throw ctx.unsupported("GridSample mode " + m);
            };
            String p = ctx.node().getString("padding_mode", "zeros");
            Padding padding = switch (p) {
                case "zeros" -> Padding.ZEROS;
                case "border" -> Padding.BORDER;
                case "reflection" -> Padding.REFLECTION;
                default -> throw ctx.unsupported("GridSample padding_mode " + p);
            };
            boolean alignCorners = ctx.node().getInt("align_corners", 0) != 0;
            return in -> new Tensor[] {gridSample(in[0], in[1], mode, padding, alignCorners)};
        });
    }

    private static Tensor gridSample(Tensor x, Tensor grid, Mode mode, Padding padding, boolean align) {
        if (x.rank() != 4 || grid.rank() != 4 || grid.dim(3) != 2) {
            throw new UnsupportedOpException("GridSample: only 4-D input with a [N, H, W, 2] grid is supported, got "
                    + x + " and " + grid);
        }
        if (!x.dtype().isFloatingPoint()) {
            throw ShapeUtil.unsupportedType("GridSample", x);
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int oh = grid.dim(1), ow = grid.dim(2);
        Tensor out = Tensor.zeros(x.dtype(), n, c, oh, ow);
        Parallel.forRange(n * oh, Math.max(1, 256 / Math.max(1, ow * c)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int b = r / oh, i = r % oh;
                for (int j = 0; j < ow; j++) {
                    int g = ((b * oh + i) * ow + j) * 2;
                    double ix = unnormalize(grid.getDouble(g), w, align);
                    double iy = unnormalize(grid.getDouble(g + 1), h, align);
                    for (int ch = 0; ch < c; ch++) {
                        int plane = (b * c + ch) * h * w;
                        double v = sample(x, plane, h, w, ix, iy, mode, padding, align);
                        out.setDouble(((b * c + ch) * oh + i) * ow + j, v);
                    }
                }
            }
        });
        return out;
    }

    private static double sample(Tensor x, int plane, int h, int w, double ix, double iy, Mode mode,
            Padding padding, boolean align) {
        switch (mode) {
            case NEAREST -> {
                double cx = Math.rint(coordinate(ix, w, padding, align));
                double cy = Math.rint(coordinate(iy, h, padding, align));
                return pixel(x, plane, h, w, (int) cy, (int) cx);
            }
            case LINEAR -> {
                double cx = coordinate(ix, w, padding, align);
                double cy = coordinate(iy, h, padding, align);
                int x0 = (int) Math.floor(cx), y0 = (int) Math.floor(cy);
                double fx = cx - x0, fy = cy - y0;
                return (1 - fy) * ((1 - fx) * pixel(x, plane, h, w, y0, x0) + fx * pixel(x, plane, h, w, y0, x0 + 1))
                        + fy * ((1 - fx) * pixel(x, plane, h, w, y0 + 1, x0) + fx * pixel(x, plane, h, w, y0 + 1, x0 + 1));
            }
            default -> {
                int x0 = (int) Math.floor(ix), y0 = (int) Math.floor(iy);
                double[] cxw = ResizeCoords.cubicCoefficients(ix - x0, -0.75);
                double[] cyw = ResizeCoords.cubicCoefficients(iy - y0, -0.75);
                double acc = 0;
                for (int a = 0; a < 4; a++) {
                    double row = 0;
                    for (int k = 0; k < 4; k++) {
                        row += cxw[k] * boundedPixel(x, plane, h, w, y0 - 1 + a, x0 - 1 + k, padding, align);
                    }
                    acc += cyw[a] * row;
                }
                return acc;
            }
        }
    }

    /** Grid value in [-1, 1] to a pixel coordinate. */
    private static double unnormalize(double g, int size, boolean align) {
        return align ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
    }

    /** PyTorch's compute_coordinates: clip (border) or reflect then clip (reflection). */
    private static double coordinate(double v, int size, Padding padding, boolean align) {
        return switch (padding) {
            case ZEROS -> v;
            case BORDER -> clip(v, size);
            case REFLECTION -> clip(align ? reflect(v, 0, 2.0 * (size - 1)) : reflect(v, -1, 2.0 * size - 1), size);
        };
    }

    private static double clip(double v, int size) {
        return Math.min(size - 1, Math.max(0, v));
    }

    private static double reflect(double v, double twiceLow, double twiceHigh) {
        if (twiceLow == twiceHigh) {
            return 0;
        }
        double min = twiceLow / 2;
        double span = (twiceHigh - twiceLow) / 2;
        double d = Math.abs(v - min);
        double extra = d % span;
        long flips = (long) Math.floor(d / span);
        return flips % 2 == 0 ? extra + min : span - extra + min;
    }

    private static double boundedPixel(Tensor x, int plane, int h, int w, int yi, int xi, Padding padding,
            boolean align) {
        double cx = coordinate(xi, w, padding, align);
        double cy = coordinate(yi, h, padding, align);
        return pixel(x, plane, h, w, (int) cy, (int) cx);
    }

    private static double pixel(Tensor x, int plane, int h, int w, int yi, int xi) {
        if (yi < 0 || yi >= h || xi < 0 || xi >= w) {
            return 0;
        }
        return x.getDouble(plane + yi * w + xi);
    }
}
