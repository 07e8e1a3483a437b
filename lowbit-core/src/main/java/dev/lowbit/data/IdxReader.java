package dev.lowbit.data;

import dev.lowbit.LowbitException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Streaming reader of IDX files (the MNIST format), gzipped or not: a big-endian header
 * {@code 0 0 type rank} and {@code rank} dimension sizes, then the items. Only byte items
 * (ubyte 0x08, sbyte 0x09) are supported. Items are read sequentially, a few at a time, so a large
 * file is never held in memory.
 */
public final class IdxReader implements AutoCloseable {
    public static final int UBYTE = 0x08;
    public static final int SBYTE = 0x09;

    private final Path path;
    private final DataInputStream in;
    private final int type;
    private final int[] dims;
    private final int itemSize;
    private int position;

    private IdxReader(Path path, DataInputStream in, int type, int[] dims) {
        this.path = path;
        this.in = in;
        this.type = type;
        this.dims = dims;
        long size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        if (size > Integer.MAX_VALUE) {
            throw new LowbitException(path + ": IDX items of shape " + Arrays.toString(itemShape()) + " are too large");
        }
        this.itemSize = (int) size;
    }

    /** Whether the file starts with the gzip magic bytes. */
    public static boolean isGzip(Path path) {
        try (InputStream s = Files.newInputStream(path)) {
            return s.read() == 0x1f && s.read() == 0x8b;
        } catch (IOException e) {
            throw new LowbitException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Whether the file (after gunzip) starts like an IDX file. */
    public static boolean looksLikeIdx(Path path) {
        try (InputStream s = openStream(path)) {
            int a = s.read();
            int b = s.read();
            int t = s.read();
            int rank = s.read();
            return a == 0 && b == 0 && t >= 0x08 && t <= 0x0E && rank >= 1 && rank <= 8;
        } catch (IOException | LowbitException e) {
            return false;
        }
    }

    private static InputStream openStream(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        raw.mark(2);
        int a = raw.read();
        int b = raw.read();
        raw.reset();
        return a == 0x1f && b == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    /** Opens and checks the header; the stream is then positioned on item 0. */
    public static IdxReader open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new LowbitException(path + ": no such IDX file");
        }
        DataInputStream in = null;
        try {
            in = new DataInputStream(openStream(path));
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int rank = in.readUnsignedByte();
            if (zero != 0 || rank == 0) {
                throw new LowbitException(path + ": not an IDX file (bad magic number)");
            }
            if (type != UBYTE && type != SBYTE) {
                throw new LowbitException(path + ": IDX element type 0x" + Integer.toHexString(type)
                        + " is not supported (only ubyte 0x08 and sbyte 0x09)");
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) {
                    throw new LowbitException(path + ": IDX dimension " + i + " is negative (" + dims[i] + ")");
                }
            }
            IdxReader r = new IdxReader(path, in, type, dims);
            if (!isGzip(path)) {
                long expected = 4L + 4L * rank + (long) dims[0] * r.itemSize;
                long actual = Files.size(path);
                if (actual < expected) {
                    throw new LowbitException(path + ": truncated IDX file: header promises " + expected
                            + " bytes, file has " + actual);
                }
            }
            return r;
        } catch (EOFException e) {
            close(in);
            throw new LowbitException(path + ": truncated IDX header");
        } catch (IOException e) {
            close(in);
            throw new LowbitException(path + ": cannot read IDX file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(in);
            throw e;
        }
    }

    private static void close(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // already failing: the first error is the one to report
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Number of items (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Shape of one item (the dimensions after the first). */
    public int[] itemShape() {
        return Arrays.copyOfRange(dims, 1, dims.length);
    }

    /** Bytes per item. */
    public int itemSize() {
        return itemSize;
    }

    public boolean signed() {
        return type == SBYTE;
    }

    /** Index of the next item to be read. */
    public int position() {
        return position;
    }

    /** Reads up to {@code items} raw items into {@code dst}; returns how many were read (0 at the end). */
    public int read(byte[] dst, int items) {
        int n = Math.min(items, count() - position);
        if (n <= 0) {
            return 0;
        }
        try {
            in.readFully(dst, 0, n * itemSize);
        } catch (EOFException e) {
            throw new LowbitException(path + ": truncated IDX data: ends within items " + position + ".."
                    + (position + n - 1) + " of " + count());
        } catch (IOException e) {
            throw new LowbitException(path + ": cannot read IDX data: " + e.getMessage(), e);
        }
        position += n;
        return n;
    }

    /** Skips {@code items} items. */
    public void skip(int items) {
        byte[] buf = new byte[Math.max(1, Math.min(items, Math.max(1, (1 << 16) / Math.max(1, itemSize)))) * itemSize];
        int left = Math.min(items, count() - position);
        while (left > 0) {
            int n = read(buf, Math.min(left, buf.length / Math.max(1, itemSize)));
            left -= n;
        }
    }

    /** Reads the next {@code n} (or fewer, at the end) items of a label file as longs. */
    public long[] readLabels(int n) {
        if (itemSize != 1) {
            throw new LowbitException(path + ": not an IDX label file (items of shape "
                    + Arrays.toString(itemShape()) + ", expected scalars)");
        }
        byte[] b = new byte[Math.min(n, count() - position)];
        int got = read(b, b.length);
        long[] out = new long[got];
        for (int i = 0; i < got; i++) {
            out[i] = signed() ? b[i] : b[i] & 0xFF;
        }
        return out;
    }

    @Override
    public void close() {
        close(in);
    }
}
