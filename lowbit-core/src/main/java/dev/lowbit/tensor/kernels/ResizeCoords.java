package dev.lowbit.tensor.kernels;

/**
 * Per-axis interpolation tables for Resize: for each output coordinate, the source indices it
 * reads ({@code taps} of them) and their weights, computed once so the passes are plain loops.
 */
public final class ResizeCoords {
    /** Interpolation kind. */
    public enum Mode { NEAREST, LINEAR, CUBIC }

    /**
     * One axis' table: output j reads {@code idx[j*taps + t]} with weight {@code w[j*taps + t]};
     * {@code outside[j]} marks tf_crop_and_resize points that take the extrapolation value.
     */
    public record AxisMap(int inLen, int outLen, int taps, int[] idx, float[] w, boolean[] outside) {
        /** True when the map copies the axis unchanged, so the pass can be skipped. */
        public boolean isIdentity() {
            if (inLen != outLen) {
                return false;
            }
            for (int j = 0; j < outLen; j++) {
                if (outside != null && outside[j]) {
                    return false;
                }
                boolean found = false;
                for (int t = 0; t < taps; t++) {
                    float wt = w[j * taps + t];
                    int i = idx[j * taps + t];
                    if (wt != 0 && (i != j || wt != 1f)) {
                        return false;
                    }
                    found |= i == j && wt == 1f;
                }
                if (!found) {
                    return false;
                }
            }
            return true;
        }
    }

    private ResizeCoords() {
    }

    /**
     * The source coordinate of output index {@code x} under ONNX's
     * {@code coordinate_transformation_mode}; {@code roiStart}/{@code roiEnd} only matter for
     * tf_crop_and_resize.
     */
    public static double sourceCoordinate(String mode, int x, double scale, int inLen, int outSize,
            double roiStart, double roiEnd) {
        // As in the ONNX reference implementation, the resized length in these formulas is
        // scale * inLen, unrounded; only half_pixel_symmetric also uses the integer size.
        double outLen = scale * inLen;
        return switch (mode) {
            case "half_pixel" -> (x + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adjustment = outSize / outLen;
                double center = inLen / 2.0;
                double offset = center * (1 - adjustment);
                yield offset + (x + 0.5) / scale - 0.5;
            }
            case "pytorch_half_pixel" -> outLen > 1 ? (x + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> outLen == 1 ? 0 : x * (inLen - 1.0) / (outLen - 1.0);
            case "asymmetric" -> x / scale;
            case "tf_half_pixel_for_nn" -> (x + 0.5) / scale;
            case "tf_crop_and_resize" -> outLen > 1
                    ? roiStart * (inLen - 1) + x * (roiEnd - roiStart) * (inLen - 1) / (outLen - 1)
                    : 0.5 * (roiStart + roiEnd) * (inLen - 1);
            default -> throw new IllegalArgumentException("unknown coordinate_transformation_mode " + mode);
        };
    }

    /** Builds one axis' table. */
    public static AxisMap build(Mode mode, String coordMode, String nearestMode, double cubicA,
            boolean excludeOutside, double scale, int inLen, int outLen, double roiStart, double roiEnd) {
        if (nearestMode.equals("simple")) {
            // Resize-10 and Upsample had no nearest_mode: ceil when shrinking, floor otherwise (as ORT)
            nearestMode = scale < 1 ? "ceil" : "floor";
        }
        int taps = switch (mode) {
            case NEAREST -> 1;
            case LINEAR -> 2;
            case CUBIC -> 4;
        };
        int[] idx = new int[outLen * taps];
        float[] w = new float[outLen * taps];
        boolean crop = coordMode.equals("tf_crop_and_resize");
        boolean[] outside = crop ? new boolean[outLen] : null;
        for (int j = 0; j < outLen; j++) {
            double x = sourceCoordinate(coordMode, j, scale, inLen, outLen, roiStart, roiEnd);
            int b = j * taps;
            if (crop && (x < 0 || x > inLen - 1)) {
                outside[j] = true;
                idx[b] = 0;
                w[b] = 0;
                continue;
            }
            switch (mode) {
                case NEAREST -> {
                    idx[b] = clamp(nearest(nearestMode, x), inLen);
                    w[b] = 1;
                }
                case LINEAR -> {
                    double xc = Math.max(0, Math.min(inLen - 1, x));
                    int x0 = (int) Math.floor(xc);
                    int x1 = Math.min(x0 + 1, inLen - 1);
                    double f = xc - x0;
                    idx[b] = x0;
                    idx[b + 1] = x1;
                    w[b] = (float) (1 - f);
                    w[b + 1] = (float) f;
                }
                case CUBIC -> {
                    int x0 = (int) Math.floor(x);
                    double t = x - x0;
                    double[] c = cubicCoefficients(t, cubicA);
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        int i = x0 - 1 + k;
                        if (excludeOutside && (i < 0 || i >= inLen)) {
                            c[k] = 0;
                        }
                        sum += c[k];
                    }
                    for (int k = 0; k < 4; k++) {
                        idx[b + k] = clamp(x0 - 1 + k, inLen);
                        w[b + k] = (float) (excludeOutside ? c[k] / sum : c[k]);
                    }
                }
            }
        }
        return new AxisMap(inLen, outLen, taps, idx, w, outside);
    }

    static int clamp(long i, int len) {
        return (int) Math.max(0, Math.min(len - 1, i));
    }

    static long nearest(String nearestMode, double x) {
        return switch (nearestMode) {
            case "round_prefer_floor" -> x == Math.floor(x) + 0.5 ? (long) Math.floor(x) : Math.round(x);
            case "round_prefer_ceil" -> x == Math.floor(x) + 0.5 ? (long) Math.ceil(x) : Math.round(x);
            case "floor" -> (long) Math.floor(x);
            case "ceil" -> (long) Math.ceil(x);
            default -> throw new IllegalArgumentException("unknown nearest_mode " + nearestMode);
        };
    }

    /** Keys' cubic convolution weights for the four neighbours floor(x)-1 .. floor(x)+2. */
    public static double[] cubicCoefficients(double t, double a) {
        double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
        return new double[] {
            ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1,
            ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a
        };
    }
}
