package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;

/**
 * RoiAlign (opsets 10, 16): average or max of bilinear samples on a regular grid inside each
 * bin of each region, with ONNX Runtime's sampling and boundary rules.
 */
public final class RoiAlignOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("RoiAlign", ctx -> {
            var n = ctx.node();
            String mode = n.getString("mode", "avg");
            if (!mode.equals("avg") && !mode.equals("max")) {
                throw ctx.unsupported("RoiAlign mode " + mode);
            }
            String coord = ctx.opset() >= 16 ? n.getString("coordinate_transformation_mode", "half_pixel")
                    : "output_half_pixel";
            if (!coord.equals("half_pixel") && !coord.equals("output_half_pixel")) {
                throw ctx.unsupported("RoiAlign coordinate_transformation_mode " + coord);
            }
            int outH = (int) n.getInt("output_height", 1);
            int outW = (int) n.getInt("output_width", 1);
            int samplingRatio = (int) n.getInt("sampling_ratio", 0);
            float spatialScale = n.getFloat("spatial_scale", 1f);
            boolean max = mode.equals("max");
            boolean halfPixel = coord.equals("half_pixel");
            return in -> new Tensor[] {roiAlign(in[0], in[1], ShapeUtil.ints(in[2]), outH, outW, samplingRatio,
                    spatialScale, max, halfPixel)};
        });
    }

    static Tensor roiAlign(Tensor x, Tensor rois, int[] batchIdx, int outH, int outW, int samplingRatio,
            float spatialScale, boolean max, boolean halfPixel) {
        if (!x.dtype().isFloatingPoint()) {
            throw ShapeUtil.unsupportedType("RoiAlign", x);
        }
        int c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int numRois = rois.dim(0);
        float[] data = x.toFloatArray();
        float[] roi = rois.toFloatArray();
        Tensor out = Tensor.zeros(x.dtype(), numRois, c, outH, outW);
        float offset = halfPixel ? 0.5f : 0f;
        Parallel.forRange(numRois * c, 1, (k0, k1) -> {
            for (int k = k0; k < k1; k++) {
                int ri = k / c, ch = k % c;
                float startW = roi[ri * 4] * spatialScale - offset;
                float startH = roi[ri * 4 + 1] * spatialScale - offset;
                float endW = roi[ri * 4 + 2] * spatialScale - offset;
                float endH = roi[ri * 4 + 3] * spatialScale - offset;
                float roiW = endW - startW, roiH = endH - startH;
                if (!halfPixel) {
                    roiW = Math.max(roiW, 1f);
                    roiH = Math.max(roiH, 1f);
                }
                float binH = roiH / outH, binW = roiW / outW;
                int gridH = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiH / outH);
                int gridW = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiW / outW);
                int count = Math.max(gridH * gridW, 1);
                int plane = (batchIdx[ri] * c + ch) * h * w;
                for (int ph = 0; ph < outH; ph++) {
                    for (int pw = 0; pw < outW; pw++) {
                        double acc = 0;
                        boolean first = true;
                        for (int iy = 0; iy < gridH; iy++) {
                            float y = startH + ph * binH + (iy + 0.5f) * binH / gridH;
                            for (int ix = 0; ix < gridW; ix++) {
                                float xx = startW + pw * binW + (ix + 0.5f) * binW / gridW;
                                double v = sample(data, plane, h, w, y, xx, max);
                                if (max) {
                                    acc = first ? v : Math.max(acc, v);
                                    first = false;
                                } else {
                                    acc += v;
                                }
                            }
                        }
                        out.setDouble(((ri * c + ch) * outH + ph) * outW + pw, max ? acc : acc / count);
                    }
                }
            }
        });
        return out;
    }

    /** Bilinear sample; in max mode the largest weighted corner (as ONNX Runtime does). */
    private static double sample(float[] d, int plane, int h, int w, float y, float x, boolean max) {
        if (y < -1f || y > h || x < -1f || x > w) {
            return 0;
        }
        y = Math.max(y, 0f);
        x = Math.max(x, 0f);
        int yl = (int) y, xl = (int) x;
        int yh, xh;
        if (yl >= h - 1) {
            yh = yl = h - 1;
            y = yl;
        } else {
            yh = yl + 1;
        }
        if (xl >= w - 1) {
            xh = xl = w - 1;
            x = xl;
        } else {
            xh = xl + 1;
        }
        float ly = y - yl, lx = x - xl, hy = 1 - ly, hx = 1 - lx;
        float v1 = hy * hx * d[plane + yl * w + xl];
        float v2 = hy * lx * d[plane + yl * w + xh];
        float v3 = ly * hx * d[plane + yh * w + xl];
        float v4 = ly * lx * d[plane + yh * w + xh];
        return max ? Math.max(Math.max(v1, v2), Math.max(v3, v4)) : (double) v1 + v2 + v3 + v4;
    }
}
