package dev.lowbit.conformance;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Executor;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.TensorProtos;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs ONNX backend-test cases (a folder with {@code model.onnx} and
 * {@code test_data_set_N/input_K.pb, output_K.pb}) and compares every output with the suite's
 * tolerance: |actual - expected| <= atol + rtol * |expected|.
 */
public final class ConformanceRunner {
    public enum Status { PASS, FAIL, UNSUPPORTED }

    /** The outcome of one case; {@code detail} says why it failed or what is unsupported. */
    public record CaseResult(String name, Status status, String detail) {
    }

    private final double rtol;
    private final double atol;

    public ConformanceRunner(double rtol, double atol) {
        this.rtol = rtol;
        this.atol = atol;
    }

    /** The ONNX suite's defaults: rtol 1e-3, atol 1e-7. */
    public static ConformanceRunner standard() {
        return new ConformanceRunner(1e-3, 1e-7);
    }

    /** Finds case folders: {@code dir} itself if it holds model.onnx, else its sub-folders that do. */
    public static List<Path> findCases(Path dir) {
        if (Files.isRegularFile(dir.resolve("model.onnx"))) {
            return List.of(dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new LowbitException(dir + ": not a folder of ONNX test cases");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    public CaseResult runCase(Path caseDir) {
        String name = caseDir.getFileName().toString();
        Model model;
        Executor exec;
        try {
            model = ModelIO.load(caseDir.resolve("model.onnx"));
            for (ValueInfo v : model.graph().inputs()) {
                if (v.type() == null) {
                    return new CaseResult(name, Status.UNSUPPORTED, "input '" + v.name() + "' is not a tensor of a supported type");
                }
            }
            for (ValueInfo v : model.graph().outputs()) {
                if (v.type() == null) {
                    return new CaseResult(name, Status.UNSUPPORTED, "output '" + v.name() + "' is not a tensor of a supported type");
                }
            }
            // The suite's data is authoritative, not the declared input shapes: a few cases (CastLike
            // bfloat16) declare [3,4] and feed [1], and ONNX's own runner does not check. Keep the types.
            model.graph().inputs().replaceAll(v -> new ValueInfo(v.name(), v.type(), null));
            exec = new Executor(model);
        } catch (UnsupportedOpException e) {
            return new CaseResult(name, Status.UNSUPPORTED, e.getMessage());
        } catch (LowbitException e) {
            String m = e.getMessage();
            if (m.contains("unsupported")) {
                return new CaseResult(name, Status.UNSUPPORTED, m);
            }
            return new CaseResult(name, Status.FAIL, "load: " + m);
        } catch (RuntimeException e) {
            return new CaseResult(name, Status.FAIL, "load: " + e);
        }
        List<Path> sets;
        try (Stream<Path> s = Files.list(caseDir)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        } catch (IOException e) {
            return new CaseResult(name, Status.FAIL, e.toString());
        }
        List<ValueInfo> ins = exec.inputs();
        List<ValueInfo> outs = model.graph().outputs();
        for (Path set : sets) {
            try {
                Map<String, Tensor> feed = new LinkedHashMap<>();
                for (int i = 0; ; i++) {
                    Path f = set.resolve("input_" + i + ".pb");
                    if (!Files.exists(f)) {
                        break;
                    }
                    String inName = TensorProtos.readName(f);
                    if (inName.isEmpty() || ins.stream().noneMatch(v -> v.name().equals(inName))) {
                        if (i >= ins.size()) {
                            break;
                        }
                        feed.put(ins.get(i).name(), asDeclared(TensorProtos.readFile(f), ins.get(i).type()));
                    } else {
                        DType declared = ins.stream().filter(v -> v.name().equals(inName)).findFirst().get().type();
                        feed.put(inName, asDeclared(TensorProtos.readFile(f), declared));
                    }
                }
                Map<String, Tensor> got = exec.run(feed);
                for (int i = 0; i < outs.size(); i++) {
                    Path f = set.resolve("output_" + i + ".pb");
                    if (!Files.exists(f)) {
                        continue;
                    }
                    Tensor expected = asDeclared(TensorProtos.readFile(f), outs.get(i).type());
                    String problem = compare(got.get(outs.get(i).name()), expected);
                    if (problem != null) {
                        return new CaseResult(name, Status.FAIL, set.getFileName() + " output '" + outs.get(i).name() + "': " + problem);
                    }
                }
            } catch (UnsupportedOpException e) {
                return new CaseResult(name, Status.UNSUPPORTED, e.getMessage());
            } catch (RuntimeException e) {
                String m = e.getMessage() == null ? e.toString() : e.getMessage();
                if (m.contains("unsupported data type") || m.contains("cannot hold")) {
                    return new CaseResult(name, Status.UNSUPPORTED, m);
                }
                return new CaseResult(name, Status.FAIL, set.getFileName() + ": " + m);
            }
        }
        return new CaseResult(name, Status.PASS, "");
    }

    /**
     * Older ONNX suites store bfloat16 test tensors as uint16 holding the same bits; read them as
     * the bfloat16 the model declares.
     */
    static Tensor asDeclared(Tensor t, DType declared) {
        if (t.dtype() == DType.UINT16 && declared == DType.BFLOAT16) {
            return Tensor.wrap(DType.BFLOAT16, t.shapeRef(), t.shorts());
        }
        return t;
    }

    /** Null when {@code actual} matches {@code expected} within tolerance, else what differs. */
    public String compare(Tensor actual, Tensor expected) {
        if (actual == null) {
            return "not produced";
        }
        if (actual.dtype() != expected.dtype()) {
            return "type " + actual.dtype().onnxName() + ", expected " + expected.dtype().onnxName();
        }
        if (!Arrays.equals(actual.shapeRef(), expected.shapeRef())) {
            return "shape " + Arrays.toString(actual.shapeRef()) + ", expected " + Arrays.toString(expected.shapeRef());
        }
        int n = expected.size();
        if (expected.dtype() == DType.STRING) {
            return Arrays.equals(actual.strings(), expected.strings()) ? null : "strings differ";
        }
        boolean fp = expected.dtype().isFloatingPoint();
        for (int i = 0; i < n; i++) {
            if (fp) {
                double a = actual.getDouble(i);
                double e = expected.getDouble(i);
                if (Double.isNaN(e) && Double.isNaN(a)) {
                    continue;
                }
                if (Double.isInfinite(e) && a == e) {
                    continue;
                }
                if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
                    return "element " + i + " is " + a + ", expected " + e;
                }
            } else if (actual.getLong(i) != expected.getLong(i)) {
                return "element " + i + " is " + actual.getLong(i) + ", expected " + expected.getLong(i);
            }
        }
        return null;
    }

    /** Runs every case under each of {@code dirs}. */
    public List<CaseResult> runAll(List<Path> dirs, java.util.function.Consumer<CaseResult> progress) {
        List<CaseResult> results = new ArrayList<>();
        for (Path d : dirs) {
            for (Path c : findCases(d)) {
                CaseResult r = runCase(c);
                results.add(r);
                if (progress != null) {
                    progress.accept(r);
                }
            }
        }
        return results;
    }
}
