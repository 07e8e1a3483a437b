package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.Clamp;
import dev.lowbit.tensor.kernels.EpilogueLoops;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution epilogues and clamps on the Vector API.
 *
 * <p>Row tails are masked vectors, not scalar code, where the whole vector lies inside the arrays: a
 * scalar clamp branches on the data's sign and mispredicts half the time, which made narrow feature
 * maps (rows of 7 or 14) twice slower. Masked accesses are only fast when the whole vector lies
 * inside the array (else the Vector API checks lane by lane), so the very end of an array takes the
 * scalar loop.
 *
 * <p>No vector value in these loops flows through a branch: with "if (res != null) v = v.add(r)"
 * inside the loop, C2 merged two vector values in a phi whenever the profile had seen both cases
 * before the method was compiled, and such merges are compiled with boxed vectors. Which case the
 * profile had seen depended on compile timing, so some JVM launches ran a ResNet's epilogues ~1.4x
 * slower than others. Each method is one straight-line vector loop.
 */
final class PanamaEpilogueLoops implements EpilogueLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;

    @Override
    public void clamp(float[] src, int sOff, float[] dst, int dOff, int len, float lo, float hi) {
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i < len && fits(src, sOff + i) && fits(dst, dOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, sOff + i, m).max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i], lo, hi);
        }
    }

    @Override
    public void residualPlusBias(float[] dst, int dOff, int len, float bias, float[] res, int rOff) {
        int i = 0;
        FloatVector vb = FloatVector.broadcast(S, bias);
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, res, rOff + i).add(vb).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) {
            dst[dOff + i] = res[rOff + i] + bias;
        }
    }

    @Override
    public void biasClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float lo, float hi) {
        FloatVector vb = FloatVector.broadcast(S, bias);
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).add(vb).max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i == len) {
            return;
        }
        if (fits(src, sOff + i) && fits(dst, dOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, sOff + i, m).add(vb).max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i] + bias, lo, hi);
        }
    }

    @Override
    public void biasResidualClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res,
            int rOff, float lo, float hi) {
        FloatVector vb = FloatVector.broadcast(S, bias);
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).add(vb).add(FloatVector.fromArray(S, res, rOff + i))
                    .max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i == len) {
            return;
        }
        if (fits(src, sOff + i) && fits(dst, dOff + i) && fits(res, rOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, sOff + i, m).add(vb).add(FloatVector.fromArray(S, res, rOff + i, m))
                    .max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i] + bias + res[rOff + i], lo, hi);
        }
    }

    @Override
    public void addInPlace(float[] x, int off, int len, float[] res, int rOff) {
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).add(FloatVector.fromArray(S, res, rOff + i)).intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] += res[rOff + i];
        }
    }

    /** Whether a whole vector starting at {@code off} lies inside {@code a}. */
    private static boolean fits(float[] a, int off) {
        return off + S.length() <= a.length;
    }
}
