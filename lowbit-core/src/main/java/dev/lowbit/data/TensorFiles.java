package dev.lowbit.data;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.TensorProtos;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.onnx.proto.Onnx.TensorProto;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's inputs and outputs as files in a folder: one {@code NAME.npy} per value, or ONNX
 * test-data style {@code input_N.pb} / {@code output_N.pb} serialized TensorProtos (matched by
 * the name stored in the proto, else by position). A {@code .npz} archive may stand in for the
 * input folder.
 *
 * <p>Inputs are checked against the model's declared type and shape while reading, so a wrong
 * file is reported as one line naming it and what the model expects.
 */
public final class TensorFiles {
    private static final Pattern PB_INPUT = Pattern.compile("input_(\\d+)\\.pb");

    private TensorFiles() {
    }

    /** How tensors are stored on disk. */
    public enum Format {
        /** One {@code NAME.npy} per value. */
        NPY,
        /** {@code input_N.pb} / {@code output_N.pb} serialized TensorProtos. */
        PB;

        /** Parses {@code npy} or {@code pb} (any case). */
        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new LowbitException("unknown tensor file format '" + s + "' (use npy or pb)");
            }
        }
    }

    /**
     * The file name used for a value: its name with characters that are unsafe in file names
     * (path separators, ':' of TensorFlow-style names...) replaced by '_'.
     */
    public static String fileStem(String valueName) {
        String s = valueName.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /**
     * Reads the tensors for {@code inputs} from {@code source} (a folder of {@code NAME.npy} or
     * {@code input_N.pb} files, or a {@code .npz} archive) and checks each against its declaration.
     */
    public static Map<String, Tensor> readInputs(Path source, List<ValueInfo> inputs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (Files.isRegularFile(source) && source.toString().endsWith(".npz")) {
            Map<String, Tensor> all = Npz.read(source);
            for (ValueInfo v : inputs) {
                Tensor t = all.containsKey(v.name()) ? all.get(v.name()) : all.get(fileStem(v.name()));
                if (t == null) {
                    throw new LowbitException(source + ": no member " + fileStem(v.name()) + ".npy for model input '"
                            + v.name() + "' (" + v.describe() + ")");
                }
                check(v, t, source + ": member " + fileStem(v.name()) + ".npy");
                out.put(v.name(), t);
            }
            return out;
        }
        if (!Files.isDirectory(source)) {
            throw new LowbitException(source + ": no such input folder");
        }
        for (Map.Entry<String, Stored> e : stored(source, inputs).entrySet()) {
            ValueInfo v = inputs.stream().filter(i -> i.name().equals(e.getKey())).findFirst().orElseThrow();
            check(v, e.getValue().tensor(), e.getValue().file().toString());
            out.put(v.name(), e.getValue().tensor());
        }
        return out;
    }

    private record Stored(Path file, Tensor tensor) {
    }

    /**
     * The arrays for {@code inputs} in folder {@code source} ({@code NAME.npy} or {@code input_N.pb}
     * files), by input name, as stored: not yet checked against the declarations.
     */
    public static Map<String, Tensor> readArrays(Path source, List<ValueInfo> inputs) {
        if (inputs == null) {
            throw new IllegalArgumentException("reading a folder of arrays needs the model's inputs");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        stored(source, inputs).forEach((k, v) -> out.put(k, v.tensor()));
        return out;
    }

    private static Map<String, Stored> stored(Path source, List<ValueInfo> inputs) {
        Map<String, Stored> out = new LinkedHashMap<>();
        Map<String, PbFile> pbByName = pbInputs(source, inputs);
        for (ValueInfo v : inputs) {
            Path npy = source.resolve(fileStem(v.name()) + ".npy");
            Path file;
            Tensor t;
            if (Files.isRegularFile(npy)) {
                file = npy;
                t = Npy.read(npy);
            } else if (pbByName.containsKey(v.name())) {
                PbFile pb = pbByName.get(v.name());
                file = pb.file();
                t = decodePb(pb.file(), pb.proto());
            } else {
                throw new LowbitException(npy + ": missing input file for model input '" + v.name() + "' ("
                        + v.describe() + "); give NAME.npy or input_N.pb files");
            }
            out.put(v.name(), new Stored(file, t));
        }
        return out;
    }

    /** A parsed {@code input_N.pb} file (parsed once: it is read for its name and its data). */
    private record PbFile(Path file, TensorProto proto) {
    }

    /** Maps model input names to {@code input_N.pb} files: by the name in the proto, else by N. */
    private static Map<String, PbFile> pbInputs(Path dir, List<ValueInfo> inputs) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> PB_INPUT.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(TensorFiles::pbIndex)).toList();
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list (" + e.getMessage() + ")");
        }
        Map<String, PbFile> byName = new LinkedHashMap<>();
        for (Path f : files) {
            TensorProto proto = parsePb(f);
            String stored = proto.getName();
            int index = pbIndex(f);
            String name;
            if (inputs.stream().anyMatch(v -> v.name().equals(stored))) {
                name = stored;
            } else if (index < inputs.size()) {
                name = inputs.get(index).name();
            } else {
                throw new LowbitException(f + ": the model has only " + inputs.size() + " inputs and none is named '" + stored + "'");
            }
            PbFile clash = byName.put(name, new PbFile(f, proto));
            if (clash != null) {
                throw new LowbitException(f + ": model input '" + name + "' is also given by " + clash.file().getFileName());
            }
        }
        return byName;
    }

    private static int pbIndex(Path p) {
        Matcher m = PB_INPUT.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }

    private static TensorProto parsePb(Path f) {
        try {
            return TensorProto.parseFrom(Files.readAllBytes(f));
        } catch (InvalidProtocolBufferException e) {
            throw new LowbitException(f + ": not a valid TensorProto file, truncated or corrupt");
        } catch (IOException e) {
            throw new LowbitException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Reads one serialized TensorProto file. */
    public static Tensor readPb(Path f) {
        return decodePb(f, parsePb(f));
    }

    private static Tensor decodePb(Path f, TensorProto p) {
        try {
            return TensorProtos.fromProto(p, f.toAbsolutePath().getParent());
        } catch (LowbitException e) {
            throw new LowbitException(f + ": " + e.getMessage());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new LowbitException(f + ": bad tensor (" + e.getMessage() + ")");
        }
    }

    /**
     * Checks a tensor against a declared input: same type, same rank, equal fixed dimensions.
     * {@code source} (usually the file) starts the error message.
     */
    public static void check(ValueInfo v, Tensor t, String source) {
        boolean ok = v.type() == null || v.type() == t.dtype();
        int[] dims = v.dims();
        if (ok && dims != null) {
            ok = dims.length == t.rank();
            for (int i = 0; ok && i < dims.length; i++) {
                ok = dims[i] < 0 || dims[i] == t.dim(i);
            }
        }
        if (!ok) {
            throw new LowbitException(source + ": holds " + t.dtype().onnxName() + Arrays.toString(t.shapeRef())
                    .replace(" ", "") + ", model input '" + v.name() + "' expects " + v.describe());
        }
    }

    /** The file an output is written to in {@code format}: {@code NAME.npy} or {@code output_N.pb}. */
    public static String outputFileName(String name, int position, Format format) {
        return format == Format.NPY ? fileStem(name) + ".npy" : "output_" + position + ".pb";
    }

    /**
     * Writes outputs into {@code dir} all-or-nothing: every tensor is encoded first (so an
     * unencodable one fails before anything is written); a new folder is filled under a temporary
     * name and renamed into place; into an existing folder each file is written atomically.
     * Returns the written files in output order.
     */
    public static List<Path> writeOutputs(Path dir, Map<String, Tensor> outputs, Format format) {
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        int position = 0;
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            String file = outputFileName(e.getKey(), position++, format);
            byte[] bytes;
            try {
                bytes = format == Format.NPY ? Npy.toBytes(e.getValue()) : TensorProtos.serialize(e.getKey(), e.getValue());
            } catch (LowbitException ex) {
                throw new LowbitException(dir.resolve(file) + ": output '" + e.getKey() + "': " + ex.getMessage());
            }
            if (encoded.put(file, bytes) != null) {
                throw new LowbitException(dir.resolve(file) + ": two outputs map to the same file name");
            }
        }
        List<Path> written = new ArrayList<>();
        encoded.keySet().forEach(f -> written.add(dir.resolve(f)));
        if (Files.isDirectory(dir)) {
            encoded.forEach((f, bytes) -> ModelIO.writeAtomically(dir.resolve(f), out -> out.write(bytes)));
            return written;
        }
        if (Files.exists(dir)) {
            throw new LowbitException(dir + ": exists and is not a folder");
        }
        Path abs = dir.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".");
            try {
                // Temporary folders are private (rwx------); the result should look like any mkdir.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: keep the default
            }
            for (Map.Entry<String, byte[]> e : encoded.entrySet()) {
                Files.write(tmp.resolve(e.getKey()), e.getValue());
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot write outputs (" + e.getMessage() + ")");
        } finally {
            deleteQuietly(tmp);
        }
        return written;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best-effort removal of our own temporary folder
        }
    }
}
