package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;

/**
 * Exponential moving average of each batch's min and max, as used for activations in QAT:
 * {@code r <- r + momentum * (batch - r)}, the first batch taken as is. Each {@code observe}
 * call is one batch, so unlike min/max the result depends on how the data is batched.
 *
 * <p>{@link #merge} is an approximation (there is no exact merge of two moving averages): the
 * ranges are averaged weighted by the number of batches each side saw.
 */
public final class MovingAverageMinMaxObserver implements Observer {
    private final double momentum;
    private final boolean perChannel;
    private final int axis;
    private double[] mins;
    private double[] maxs;
    private long batches;
    private long count;
    private long nonFinite;

    /** @param momentum weight of the newest batch, in (0, 1] (PyTorch's default 0.01) */
    public MovingAverageMinMaxObserver(double momentum, boolean perChannel, int axis) {
        if (!(momentum > 0 && momentum <= 1)) {
            throw new LowbitException("moving-average momentum must be in (0, 1], got " + momentum);
        }
        this.momentum = momentum;
        this.perChannel = perChannel;
        this.axis = axis;
    }

    public static MovingAverageMinMaxObserver perTensor(double momentum) {
        return new MovingAverageMinMaxObserver(momentum, false, 0);
    }

    @Override
    public void observe(float[] data, int offset, int length) {
        MinMaxObserver batch = fresh();
        batch.observe(data, offset, length);
        update(batch);
    }

    @Override
    public void observe(Tensor t) {
        MinMaxObserver batch = fresh();
        batch.observe(t);
        update(batch);
    }

    private MinMaxObserver fresh() {
        return perChannel ? MinMaxObserver.perChannel(axis) : MinMaxObserver.perTensor();
    }

    private void update(MinMaxObserver batch) {
        count += batch.count();
        nonFinite += batch.nonFiniteCount();
        if (batch.count() == 0) {
            return; // an all-NaN batch must not drag the average toward 0
        }
        Ranges r = batch.range();
        int n = r.channels();
        if (mins == null) {
            mins = new double[n];
            maxs = new double[n];
            for (int c = 0; c < n; c++) {
                mins[c] = r.mins()[c];
                maxs[c] = r.maxs()[c];
            }
        } else {
            if (mins.length != n) {
                throw new LowbitException("moving-average observer saw " + mins.length + " channels before and "
                        + n + " now");
            }
            for (int c = 0; c < n; c++) {
                mins[c] += momentum * (r.mins()[c] - mins[c]);
                maxs[c] += momentum * (r.maxs()[c] - maxs[c]);
            }
        }
        batches++;
    }

    @Override
    public void merge(Observer other) {
        if (!(other instanceof MovingAverageMinMaxObserver o) || o.perChannel != perChannel || o.axis != axis
                || o.momentum != momentum) {
            throw new LowbitException("cannot merge " + other + " into " + this);
        }
        if (o.mins == null) {
            return;
        }
        if (mins == null) {
            mins = o.mins.clone();
            maxs = o.maxs.clone();
        } else {
            if (mins.length != o.mins.length) {
                throw new LowbitException("cannot merge moving-average observers over " + mins.length + " and "
                        + o.mins.length + " channels");
            }
            double w = (double) o.batches / (batches + o.batches);
            for (int c = 0; c < mins.length; c++) {
                mins[c] += w * (o.mins[c] - mins[c]);
                maxs[c] += w * (o.maxs[c] - maxs[c]);
            }
        }
        batches += o.batches;
        count += o.count;
        nonFinite += o.nonFinite;
    }

    @Override
    public Ranges range() {
        if (mins == null) {
            return Ranges.of(0, 0, nonFinite);
        }
        float[] lo = new float[mins.length];
        float[] hi = new float[mins.length];
        for (int c = 0; c < lo.length; c++) {
            lo[c] = (float) mins[c];
            hi[c] = (float) maxs[c];
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
        return "MovingAverageMinMaxObserver(momentum " + momentum + (perChannel ? ", axis " + axis : "") + ")";
    }
}
