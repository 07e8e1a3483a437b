package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.FloatStats;

import java.util.Arrays;

/**
 * Running minimum and maximum of the finite values seen, per tensor or per channel along an axis.
 * Exact and order-independent, so merging equals observing the union.
 */
public final class MinMaxObserver implements Observer {
    private final boolean perChannel;
    private final int axis;
    private float[] mins;
    private float[] maxs;
    private long count;
    private long nonFinite;

    private MinMaxObserver(boolean perChannel, int axis) {
        this.perChannel = perChannel;
        this.axis = axis;
        if (!perChannel) {
            mins = new float[] {Float.POSITIVE_INFINITY};
            maxs = new float[] {Float.NEGATIVE_INFINITY};
        }
    }

    public static MinMaxObserver perTensor() {
        return new MinMaxObserver(false, 0);
    }

    /** One range per index along {@code axis} (negative counts from the end). */
    public static MinMaxObserver perChannel(int axis) {
        return new MinMaxObserver(true, axis);
    }

    public boolean isPerChannel() {
        return perChannel;
    }

    public int axis() {
        return axis;
    }

    @Override
    public void observe(float[] data, int offset, int length) {
        if (perChannel) {
            throw new LowbitException("a per-channel observer needs the tensor shape: observe a Tensor");
        }
        float[] acc = {mins[0], maxs[0]};
        long bad = FloatStats.minMaxFinite(data, offset, length, acc);
        mins[0] = acc[0];
        maxs[0] = acc[1];
        nonFinite += bad;
        count += length - bad;
    }

    @Override
    public void observe(Tensor t) {
        if (!perChannel) {
            Observer.super.observe(t);
            return;
        }
        int[] shape = t.shapeRef();
        if (shape.length == 0) {
            throw new LowbitException("a per-channel observer along axis " + axis + " cannot observe a scalar");
        }
        int ax = Shapes.axis(axis, shape.length);
        int channels = shape[ax];
        ensureChannels(channels);
        int inner = 1;
        for (int i = ax + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        float[] data = t.toFloatArray();
        int outer = channels * inner == 0 ? 0 : data.length / (channels * inner);
        float[] acc = new float[2];
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                acc[0] = mins[c];
                acc[1] = maxs[c];
                long bad = FloatStats.minMaxFinite(data, (o * channels + c) * inner, inner, acc);
                mins[c] = acc[0];
                maxs[c] = acc[1];
                nonFinite += bad;
                count += inner - bad;
            }
        }
    }

    private void ensureChannels(int channels) {
        if (mins == null) {
            mins = new float[channels];
            maxs = new float[channels];
            Arrays.fill(mins, Float.POSITIVE_INFINITY);
            Arrays.fill(maxs, Float.NEGATIVE_INFINITY);
        } else if (mins.length != channels) {
            throw new LowbitException("per-channel observer along axis " + axis + " saw " + mins.length
                    + " channels before and " + channels + " now");
        }
    }

    @Override
    public void merge(Observer other) {
        if (!(other instanceof MinMaxObserver o) || o.perChannel != perChannel || o.axis != axis) {
            throw new LowbitException("cannot merge " + other + " into " + this);
        }
        if (o.mins == null) {
            return;
        }
        ensureChannels(o.mins.length);
        for (int c = 0; c < mins.length; c++) {
            mins[c] = Math.min(mins[c], o.mins[c]);
            maxs[c] = Math.max(maxs[c], o.maxs[c]);
        }
        count += o.count;
        nonFinite += o.nonFinite;
    }

    @Override
    public Ranges range() {
        if (mins == null) {
            return Ranges.of(0, 0, nonFinite);
        }
        float[] lo = mins.clone();
        float[] hi = maxs.clone();
        for (int c = 0; c < lo.length; c++) {
            if (lo[c] > hi[c]) { // nothing finite seen in this channel
                lo[c] = 0;
                hi[c] = 0;
            }
        }
        return new Ranges(lo, hi, nonFinite);
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long nonFiniteCount() {
        return nonFinite;
    }

    @Override
    public String toString() {
        return perChannel ? "MinMaxObserver(per-channel, axis " + axis + ")" : "MinMaxObserver(per-tensor)";
    }
}
