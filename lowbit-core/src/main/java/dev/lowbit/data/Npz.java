package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz} archives ({@code numpy.savez} / {@code savez_compressed}): a zip of
 * {@code NAME.npy} members, stored or deflated. Tensors are keyed by member name without
 * {@code .npy}, in archive order.
 */
public final class Npz {
    private Npz() {
    }

    /** Reads every {@code .npy} member of an archive; problems name the file and the member. */
    public static Map<String, Tensor> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LowbitException(file + ": no such file");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                String name = e.getName().substring(0, e.getName().length() - 4);
                out.put(name, Npy.parse(bytes, file + ": member " + e.getName()));
            }
        } catch (ZipException e) {
            throw new LowbitException(file + ": not a valid .npz (zip) archive, truncated or corrupt (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new LowbitException(file + ": .npz archive holds no .npy members");
        }
        return out;
    }

    /** Writes tensors as a deflated {@code .npz} archive, atomically. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        tensors.forEach((k, t) -> encoded.put(k + ".npy", Npy.toBytes(t)));
        dev.lowbit.onnx.ModelIO.writeAtomically(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, byte[]> e : encoded.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
