package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A source of labelled (or unlabelled) samples read in batches. Only the batch being built is in
 * memory; sample order is file order, or a seeded shuffle of all samples, cut to the limit.
 * Subclasses read samples by index: {@link #readSamples} is called with indices in iteration order.
 */
public abstract class Dataset implements AutoCloseable, Iterable<Batch> {
    private final String name;
    private final int total;
    private final int size;
    private final int[] order; // null = identity (file order)
    private int batchSize = 32;

    protected Dataset(String name, int total, DatasetOptions options) {
        this.name = name;
        this.total = total;
        int limit = options.limit() > 0 ? Math.min(options.limit(), total) : total;
        this.size = limit;
        if (options.shuffleSeed() != null) {
            int[] perm = new int[total];
            for (int i = 0; i < total; i++) {
                perm[i] = i;
            }
            Random rnd = new Random(options.shuffleSeed());
            for (int i = total - 1; i > 0; i--) { // Fisher-Yates
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            this.order = java.util.Arrays.copyOf(perm, limit);
        } else {
            this.order = null;
        }
    }

    /** A one-line description (path and kind). */
    public String name() {
        return name;
    }

    /** Samples that iteration yields (after the limit). */
    public int size() {
        return size;
    }

    /** Samples in the underlying source. */
    public int totalSamples() {
        return total;
    }

    /** Shape of one sample, e.g. [1, 28, 28] (NCHW) or [28, 28, 1] (NHWC). */
    public abstract int[] sampleShape();

    public abstract boolean hasLabels();

    /** Whether iteration follows a shuffled order. */
    public boolean shuffled() {
        return order != null;
    }

    /**
     * Reads samples {@code indices[0..n)} (source indices) into {@code dst} (n samples of
     * sampleShape, back to back) and their labels into {@code labels} (null when unlabelled).
     */
    protected abstract void readSamples(int[] indices, int n, float[] dst, long[] labels);

    /** Sets the batch size {@link #iterator()} uses (default 32). */
    public Dataset batchSize(int n) {
        if (n < 1) {
            throw new LowbitException("batch size must be >= 1, got " + n);
        }
        this.batchSize = n;
        return this;
    }

    @Override
    public Iterator<Batch> iterator() {
        return batches(batchSize);
    }

    /** Batches of {@code n} samples (the last may be smaller), built one at a time. */
    public Iterator<Batch> batches(int n) {
        if (n < 1) {
            throw new LowbitException("batch size must be >= 1, got " + n);
        }
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Batch next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                int count = Math.min(n, size - next);
                int[] idx = new int[count];
                for (int i = 0; i < count; i++) {
                    idx[i] = order == null ? next + i : order[next + i];
                }
                next += count;
                return readBatch(idx);
            }
        };
    }

    /**
     * Reads the samples at source indices {@code idx} as one batch. The default stacks
     * {@link #readSamples} floats under {@link Batch#UNNAMED}; data sets of named or integer
     * arrays override it.
     */
    protected Batch readBatch(int[] idx) {
        int[] shape = sampleShape();
        int count = idx.length;
        float[] data = new float[count * Shapes.size(shape)];
        long[] labels = hasLabels() ? new long[count] : null;
        readSamples(idx, count, data, labels);
        int[] bshape = new int[shape.length + 1];
        bshape[0] = count;
        System.arraycopy(shape, 0, bshape, 1, shape.length);
        return new Batch(Tensor.of(data, bshape), labels);
    }

    /** Everything in one batch (for small sets and tests). */
    public Batch readAll() {
        Iterator<Batch> it = batches(Math.max(1, size));
        return it.hasNext() ? it.next() : new Batch(Tensor.zeros(dev.lowbit.tensor.DType.FLOAT, prepend(0)),
                hasLabels() ? new long[0] : null);
    }

    private int[] prepend(int n) {
        int[] s = sampleShape();
        int[] out = new int[s.length + 1];
        out[0] = n;
        System.arraycopy(s, 0, out, 1, s.length);
        return out;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return name;
    }
}
