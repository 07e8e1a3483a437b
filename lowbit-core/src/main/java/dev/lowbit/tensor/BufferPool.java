package dev.lowbit.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recycles the arrays behind a graph run's intermediate tensors from one run to the next.
 *
 * <p>Why: a batch-32 run of a small CNN allocates ~10 MB of activations in a few milliseconds.
 * Fresh arrays walk the JVM's eden through gigabytes of address space between collections, and
 * every page of it is touched once per cycle: cold in the caches, and on machines whose kernel
 * pages out memory that has not been used for a while (DAMON reclaim, ballooned VMs) each touch is
 * a page fault. Measured on this project's machine: 415,000 minor faults per 500 runs and a run
 * time that jumps between 4 and 40 ms for seconds at a time; with recycled buffers the working
 * set stays a few resident megabytes and the run time stays put.
 *
 * <p>How: the executor {@linkplain #open opens} its pool on the calling thread for one run; kernel
 * outputs allocated on that thread through {@link #floats}, {@link #floatsUninitialized} or
 * {@link Tensor#allocate} come from the pool; the executor hands each array back with
 * {@link #recycle} when the last value holding it is released. Only arrays this pool issued during
 * the current run are taken back, so graph inputs, initializers, constants and arrays a caller
 * still holds are never reused. Free arrays that a whole run did not reuse are dropped, so the pool
 * never holds more than one run's intermediates. Without an open pool (other threads, library code
 * outside a run) the methods allocate plain arrays.
 *
 * <p>A pool belongs to one executor and is used by one thread at a time.
 */
public final class BufferPool {
    private static final ThreadLocal<BufferPool> ACTIVE = new ThreadLocal<>();

    /** Free arrays by storage class and length. */
    private final Map<Long, ArrayDeque<Free>> free = new HashMap<>();
    /** Arrays handed out during the current run (identity), the only ones {@link #recycle} takes back. */
    private final IdentityHashMap<Object, Boolean> issued = new IdentityHashMap<>();
    private long run;
    private long reused;

    private record Free(Object array, long releasedInRun) {
    }

    /** A scope that makes a pool the current thread's allocator until closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes this pool the current thread's allocator for one run. Closing the scope restores the
     * previous allocator (nested runs suspend the outer pool) and trims arrays the run did not reuse.
     */
    public Scope open() {
        BufferPool previous = ACTIVE.get();
        ACTIVE.set(this);
        run++;
        return () -> {
            ACTIVE.set(previous);
            endRun();
        };
    }

    /** Runs {@code body} with no pool on this thread: allocations inside it are plain arrays. */
    public static <T> T suspended(java.util.function.Supplier<T> body) {
        BufferPool previous = ACTIVE.get();
        ACTIVE.remove();
        try {
            return body.get();
        } finally {
            if (previous != null) {
                ACTIVE.set(previous);
            }
        }
    }

    /** A zero-filled float[n]: recycled when a pool is open on this thread. */
    public static float[] floats(int n) {
        BufferPool pool = ACTIVE.get();
        if (pool == null) {
            return new float[n];
        }
        float[] a = (float[]) pool.take(float[].class, n);
        if (a == null) {
            return (float[]) pool.issue(new float[n]);
        }
        Arrays.fill(a, 0f);
        return a;
    }

    /**
     * A float[n] with arbitrary contents, for outputs whose kernel writes every element: recycled
     * when a pool is open, else allocated without zeroing where the JDK allows it.
     */
    public static float[] floatsUninitialized(int n) {
        BufferPool pool = ACTIVE.get();
        if (pool == null) {
            return UninitializedArrays.floats(n);
        }
        float[] a = (float[]) pool.take(float[].class, n);
        return a != null ? a : (float[]) pool.issue(UninitializedArrays.floats(n));
    }

    /**
     * Hands back early an array the current thread's pool issued during this run, for a kernel's own
     * temporaries that no tensor of the graph ever holds (the executor only recycles graph values).
     * Without an open pool, or for an array the pool did not issue, it does nothing.
     */
    public static void release(Object array) {
        BufferPool pool = ACTIVE.get();
        if (pool != null) {
            pool.recycle(array);
        }
    }

    /** A zero-filled array of {@code type} (an array class such as {@code byte[].class}) and length n. */
    static Object zeroed(Class<?> type, int n, java.util.function.IntFunction<Object> fresh) {
        BufferPool pool = ACTIVE.get();
        if (pool == null) {
            return fresh.apply(n);
        }
        Object a = pool.take(type, n);
        if (a == null) {
            return pool.issue(fresh.apply(n));
        }
        clear(a);
        return a;
    }

    /**
     * Takes {@code array} back if this pool issued it during the current run; the caller promises
     * nothing reads it any more. Returns whether it was taken.
     */
    public boolean recycle(Object array) {
        if (array == null || issued.remove(array) == null) {
            return false;
        }
        free.computeIfAbsent(key(array.getClass(), java.lang.reflect.Array.getLength(array)), k -> new ArrayDeque<>())
                .push(new Free(array, run));
        return true;
    }

    /** Arrays served from the pool instead of allocated, since it was made. */
    public long reusedCount() {
        return reused;
    }

    private Object take(Class<?> type, int n) {
        if (n < MIN_LENGTH) {
            return null; // small arrays: allocation is cheaper than the bookkeeping
        }
        ArrayDeque<Free> q = free.get(key(type, n));
        Free f = q == null ? null : q.poll();
        if (f == null) {
            return null;
        }
        reused++;
        issued.put(f.array, Boolean.TRUE);
        return f.array;
    }

    private Object issue(Object array) {
        if (java.lang.reflect.Array.getLength(array) >= MIN_LENGTH) {
            issued.put(array, Boolean.TRUE);
        }
        return array;
    }

    /** Arrays shorter than this are not pooled. */
    static final int MIN_LENGTH = 256;

    private void endRun() {
        issued.clear(); // what is still issued went to the caller (graph outputs) or is held elsewhere
        List<Long> empty = new ArrayList<>();
        for (Map.Entry<Long, ArrayDeque<Free>> e : free.entrySet()) {
            e.getValue().removeIf(f -> f.releasedInRun < run); // free for a whole run: not needed
            if (e.getValue().isEmpty()) {
                empty.add(e.getKey());
            }
        }
        empty.forEach(free::remove);
    }

    private static long key(Class<?> type, int n) {
        return ((long) typeIndex(type) << 32) | n;
    }

    private static int typeIndex(Class<?> type) {
        if (type == float[].class) {
            return 1;
        } else if (type == byte[].class) {
            return 2;
        } else if (type == int[].class) {
            return 3;
        } else if (type == long[].class) {
            return 4;
        } else if (type == short[].class) {
            return 5;
        } else if (type == double[].class) {
            return 6;
        } else if (type == boolean[].class) {
            return 7;
        }
        return 8;
    }

    private static void clear(Object a) {
        switch (a) {
            case float[] f -> Arrays.fill(f, 0f);
            case byte[] b -> Arrays.fill(b, (byte) 0);
            case int[] i -> Arrays.fill(i, 0);
            case long[] l -> Arrays.fill(l, 0L);
            case short[] s -> Arrays.fill(s, (short) 0);
            case double[] d -> Arrays.fill(d, 0d);
            case boolean[] z -> Arrays.fill(z, false);
            default -> throw new IllegalArgumentException("not a pooled array type: " + a.getClass());
        }
    }
}
