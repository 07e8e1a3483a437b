package dev.lowbit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    /** numpy.save(np.array([[1.5,-2,3],[4,5,6.25]], dtype='<f4')), byte for byte. */
    private static final String NUMPY_F4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=";
    /** numpy.save(np.array([True, False, True])). */
    private static final String NUMPY_B1 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=";
    /** numpy.save(np.float64(2.5)): a 0-d array. */
    private static final String NUMPY_SCALAR = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==";

    private static Tensor random(DType dtype, Random r, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) {
            switch (dtype) {
                case FLOAT, DOUBLE, FLOAT16 -> t.setDouble(i, r.nextGaussian() * 100);
                case BOOL -> t.setLong(i, r.nextInt(2));
                default -> t.setLong(i, r.nextLong());
            }
        }
        return t;
    }

    private static void assertSameTensor(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shapeRef(), actual.shapeRef());
        for (int i = 0; i < expected.size(); i++) {
            if (expected.dtype().isFloatingPoint()) {
                assertEquals(Double.doubleToRawLongBits(expected.getDouble(i)), Double.doubleToRawLongBits(actual.getDouble(i)));
            } else {
                assertEquals(expected.getLong(i), actual.getLong(i), "element " + i);
            }
        }
    }

    @Test
    void roundTripsEveryDtypeAndShape() {
        Random r = new Random(7);
        DType[] types = {DType.FLOAT, DType.DOUBLE, DType.INT8, DType.UINT8, DType.INT16, DType.UINT16,
            DType.INT32, DType.UINT32, DType.INT64, DType.UINT64, DType.BOOL, DType.FLOAT16};
        int[][] shapes = {{}, {0}, {5}, {2, 3, 4}, {1, 1, 7, 1}};
        for (DType d : types) {
            for (int[] shape : shapes) {
                Tensor t = random(d, r, shape);
                byte[] bytes = Npy.toBytes(t);
                assertEquals(0, (bytes.length - t.size() * d.byteSize()) % 64, "data starts 64-byte aligned");
                assertSameTensor(t, Npy.parse(bytes, "mem"));
            }
        }
    }

    @Test
    void writesExactlyWhatNumpyWrites() {
        byte[] numpy = Base64.getDecoder().decode(NUMPY_F4);
        Tensor t = Npy.parse(numpy, "numpy.npy");
        assertArrayEquals(new int[] {2, 3}, t.shapeRef());
        assertArrayEquals(new float[] {1.5f, -2, 3, 4, 5, 6.25f}, t.floats());
        assertArrayEquals(numpy, Npy.toBytes(t));

        byte[] bools = Base64.getDecoder().decode(NUMPY_B1);
        Tensor b = Npy.parse(bools, "b.npy");
        assertArrayEquals(new boolean[] {true, false, true}, b.bools());
        assertArrayEquals(bools, Npy.toBytes(b));

        byte[] scalar = Base64.getDecoder().decode(NUMPY_SCALAR);
        Tensor s = Npy.parse(scalar, "s.npy");
        assertEquals(0, s.rank());
        assertEquals(2.5, s.doubles()[0]);
        assertArrayEquals(scalar, Npy.toBytes(s));
    }

    @Test
    void fileRoundTrip() {
        Tensor t = random(DType.INT64, new Random(3), 4, 2);
        Path f = dir.resolve("t.npy");
        Npy.write(f, t);
        assertSameTensor(t, Npy.read(f));
    }

    /** Builds a .npy file by hand: any version, header text and data bytes. */
    private static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) h.length);
        } else {
            len.putInt(h.length);
        }
        out.writeBytes(len.array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] ints(ByteOrder order, int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(order);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    @Test
    void readsVersionsTwoAndThreeBigEndianAndOddHeaders() {
        byte[] le = ints(ByteOrder.LITTLE_ENDIAN, 1, -2, 3);
        byte[] be = ints(ByteOrder.BIG_ENDIAN, 1, -2, 3);
        String std = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n";
        assertArrayEquals(new int[] {1, -2, 3}, Npy.parse(npy(2, std, le), "v2").ints());
        assertArrayEquals(new int[] {1, -2, 3}, Npy.parse(npy(3, std, le), "v3").ints());
        String big = "{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }\n";
        assertArrayEquals(new int[] {1, -2, 3}, Npy.parse(npy(1, big, be), "be").ints());
        // Keys in another order, double quotes, no trailing comma, Python 2 long dims.
        String odd = "{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"<i4\"}   \n";
        assertArrayEquals(new int[] {1, -2, 3}, Npy.parse(npy(1, odd, le), "odd").ints());
        ByteBuffer f8 = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.25).putDouble(-3);
        Tensor d = Npy.parse(npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 2), }\n", f8.array()), "f8");
        assertArrayEquals(new double[] {1.25, -3}, d.doubles());
    }

    private static String error(byte[] bytes) {
        LowbitException e = assertThrows(LowbitException.class, () -> Npy.parse(bytes, "x.npy"));
        assertTrue(e.getMessage().startsWith("x.npy: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void problemsAreOneLineNamingTheFile() {
        byte[] good = Npy.toBytes(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        assertTrue(error(Arrays.copyOf(good, good.length - 3)).contains("truncated"));
        assertTrue(error(Arrays.copyOf(good, 40)).contains("truncated"));
        assertTrue(error(Arrays.copyOf(good, 5)).contains("truncated"));
        assertTrue(error(Arrays.copyOf(good, good.length + 4)).contains("size mismatch"));
        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        assertTrue(error(badMagic).contains("bad header"));
        byte[] badVersion = good.clone();
        badVersion[6] = 9;
        assertTrue(error(badVersion).contains("version 9"));
        byte[] le = ints(ByteOrder.LITTLE_ENDIAN, 1, 2);
        assertTrue(error(npy(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }\n", le)).contains("Fortran"));
        assertTrue(error(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", new byte[8]))
                .contains("unsupported dtype '<c8'"));
        assertTrue(error(npy(1, "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }\n", new byte[12]))
                .contains("unsupported dtype"));
        assertTrue(error(npy(1, "{'descr': '<i4', 'shape': (2,), }\n", le)).contains("bad header"));
        assertTrue(error(npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, x), }\n", le)).contains("bad header"));
        assertTrue(error(npy(1, "not a dict\n", le)).contains("bad header"));
    }

    @Test
    void missingFileAndUnwritableTypesAreOneLine() {
        Path missing = dir.resolve("nope.npy");
        LowbitException e = assertThrows(LowbitException.class, () -> Npy.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        Tensor bf16 = Tensor.zeros(DType.BFLOAT16, 2);
        assertThrows(LowbitException.class, () -> Npy.toBytes(bf16));
        assertFalse(Files.exists(dir.resolve("b.npy")));
        assertThrows(LowbitException.class, () -> Npy.write(dir.resolve("b.npy"), bf16));
        assertFalse(Files.exists(dir.resolve("b.npy")));
    }
}
