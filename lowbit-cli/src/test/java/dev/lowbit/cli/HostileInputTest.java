package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.data.Npy;
import dev.lowbit.data.Npz;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.TensorProtos;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.onnx.proto.Onnx.ModelProto;
import dev.lowbit.onnx.proto.Onnx.StringStringEntryProto;
import dev.lowbit.onnx.proto.Onnx.TensorProto;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzz suite over hostile input, through the CLI as a user runs it: broken graphs,
 * mutated and truncated model files, external data that points outside the model's folder,
 * corrupt data files and configs. Every case must end with exit 0 or 2 (2 with one line naming
 * the problem), never an internal error (70) or a hang, and a failed command leaves no output.
 * The counts per category go to target/hostile-input-summary.txt.
 */
class HostileInputTest {
    private static final Path RESNET = TestResources.of("models/resnet_fmnist.onnx");
    private static final Path IDX = TestResources.of("fmnist/t1000-images-idx3-ubyte.gz");
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Map<String, int[]> SUMMARY = new LinkedHashMap<>(); // category -> {cases, exit 0, exit 2}

    @TempDir
    static Path dir;

    private static PrintStream oldOut;
    private static PrintStream oldErr;
    private static final ByteArrayOutputStream ERR = new ByteArrayOutputStream();

    @BeforeAll
    static void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(ERR, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void restoreAndSummarise() throws IOException {
        System.setOut(oldOut);
        System.setErr(oldErr);
        StringBuilder sb = new StringBuilder("category cases exit0 exit2 (internal errors, hangs, partial outputs: 0, or the test fails)\n");
        SUMMARY.forEach((k, v) -> sb.append(k).append(' ').append(v[0]).append(' ').append(v[1]).append(' ').append(v[2]).append('\n'));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/hostile-input-summary.txt"), sb);
    }

    /** Runs one CLI invocation and checks the properties; returns its exit code. */
    private static int check(String category, String what, List<Path> outputs, String... args) {
        ERR.reset();
        int code = assertTimeoutPreemptively(BOUND, () -> Main.execute(args), category + " " + what + ": hung");
        String err = ERR.toString(StandardCharsets.UTF_8).strip();
        assertTrue(code == 0 || code == 2, category + " " + what + ": exit " + code + "\n" + err);
        if (code == 2) {
            assertTrue(err.startsWith("lowbit: "), category + " " + what + ": " + err);
            assertFalse(err.lines().filter(l -> !l.startsWith("Try '")).count() > 1, category + " " + what + ": more than one line\n" + err);
            for (Path o : outputs) {
                assertFalse(Files.exists(o), category + " " + what + ": failed but left " + o);
            }
            String model = Arrays.stream(args).filter(a -> a.endsWith(".onnx")).findFirst().orElse(null);
            if (err.contains(" node '") && model != null) {
                assertTrue(err.contains(Path.of(model).getFileName().toString()),
                        category + " " + what + ": a node's error that does not name the model file: " + err);
            }
        }
        int[] s = SUMMARY.computeIfAbsent(category, k -> new int[3]);
        s[0]++;
        s[code == 0 ? 1 : 2]++;
        return code;
    }

    private static Path inputsFor28x28() throws IOException {
        Path in = dir.resolve("inputs");
        if (!Files.exists(in)) {
            Files.createDirectories(in);
            float[] x = new float[2 * 28 * 28];
            Arrays.fill(x, 0.5f);
            Npy.write(in.resolve("input.npy"), Tensor.of(x, 2, 1, 28, 28));
        }
        return in;
    }

    /** inspect, run and quantize on one model file; at least one of them must refuse a broken model. */
    private static void allCommands(String category, String what, Path model, boolean mustFail) throws IOException {
        Path out = dir.resolve("out-" + Math.abs(what.hashCode()));
        Path q = dir.resolve("q-" + Math.abs(what.hashCode()) + ".onnx");
        int inspect = check(category, what + " inspect", List.of(), "inspect", model.toString());
        int run = check(category, what + " run", List.of(out), "run", model.toString(), "--inputs",
                inputsFor28x28().toString(), "--outputs", out.toString());
        int quantize = check(category, what + " quantize", List.of(q), "quantize", model.toString(), "-o", q.toString(),
                "--calib", IDX.toString(), "--calib-size", "4");
        if (mustFail) {
            assertEquals(2, inspect, what + ": inspect accepted a broken model");
            assertEquals(2, run, what + ": run accepted a broken model");
            assertEquals(2, quantize, what + ": quantize accepted a broken model");
        }
    }

    /** Index of the node that reads the graph input (the stem convolution). */
    private static int stem(Graph g) {
        String input = g.inputs().get(0).name();
        for (int i = 0; i < g.nodes().size(); i++) {
            if (g.nodes().get(i).inputs().contains(input)) {
                return i;
            }
        }
        throw new IllegalStateException("no node reads " + input);
    }

    private static Model resnet() {
        return ModelIO.load(RESNET);
    }

    private static Path save(String name, Model m) {
        Path f = dir.resolve(name + ".onnx");
        ModelIO.save(m, f);
        return f;
    }

    private static Path saveProto(String name, ModelProto p) throws IOException {
        Path f = dir.resolve(name + ".onnx");
        Files.write(f, p.toByteArray());
        return f;
    }

    /** Graphs that break the rules ONNX's checker enforces. */
    @Test
    void brokenGraphsAreRefusedByEveryCommand() throws IOException {
        Map<String, Consumer<Graph>> breakages = new LinkedHashMap<>();
        // c: the stem Conv (reads the graph input), c + 1 its BatchNormalization, c + 2 its Relu
        breakages.put("cycle", g -> g.nodes().get(stem(g)).inputs().set(0, g.nodes().get(stem(g) + 2).output(0)));
        breakages.put("self-loop", g -> g.nodes().get(stem(g) + 2).inputs().set(0, g.nodes().get(stem(g) + 2).output(0)));
        breakages.put("dangling-input", g -> g.nodes().get(stem(g) + 2).inputs().set(0, "nobody_makes_this"));
        breakages.put("unproduced-output", g -> g.outputs().set(0, new ValueInfo("ghost", DType.FLOAT, null)));
        breakages.put("two-writers", g -> g.nodes().get(stem(g) + 2).outputs().set(0, g.nodes().get(stem(g)).output(0)));
        breakages.put("huge-input-dim", g -> g.inputs().set(0, new ValueInfo(g.inputs().get(0).name(), DType.FLOAT,
                List.of(ValueInfo.Dim.of(1_000_000_000_000L), ValueInfo.Dim.of(1), ValueInfo.Dim.of(28), ValueInfo.Dim.of(28)))));
        // element types the ops do not take (OpTypes): each one line naming the node and the input
        breakages.put("int64-conv-weight", g -> {
            String w = g.nodes().get(stem(g)).input(1);
            g.setInitializer(w, Tensor.of(new long[g.initializer(w).size()], g.initializer(w).shape()));
        });
        breakages.put("int64-image-input", g -> g.inputs().set(0, new ValueInfo(g.inputs().get(0).name(), DType.INT64,
                g.inputs().get(0).shape())));
        breakages.put("float-reshape-shape", g -> g.nodes().stream().filter(n -> n.opType().equals("Reshape")
                || n.opType().equals("Flatten") || n.opType().equals("Gemm")).findFirst().ifPresent(n -> {
                    g.setInitializer("float_shape", Tensor.of(new float[] {1, -1}, 2));
                    n.setOpType("Reshape");
                    n.attributes().clear();
                    n.inputs().clear();
                    n.inputs().add(g.nodes().get(stem(g) + 2).output(0));
                    n.inputs().add("float_shape");
                }));
        for (Map.Entry<String, Consumer<Graph>> e : breakages.entrySet()) {
            Model m = resnet();
            e.getValue().accept(m.graph());
            allCommands("broken-graph", e.getKey(), save(e.getKey(), m), true);
        }
        Model opset = resnet();
        opset.opsets().put("", 99L);
        allCommands("broken-graph", "opset-99", save("opset99", opset), true);
    }

    /** A kernel's error at run time (a Reshape that cannot apply) names the model and the data, in every command that runs it. */
    @Test
    void errorsAfterLoadingNameTheModelAndTheData() throws IOException {
        Graph g = new Graph("bad_reshape");
        g.inputs().add(new ValueInfo("input", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.of(1),
                ValueInfo.Dim.of(28), ValueInfo.Dim.of(28))));
        g.outputs().add(new ValueInfo("y", DType.FLOAT, null));
        g.setInitializer("w", Tensor.of(new float[2 * 9], 2, 1, 3, 3));
        g.setInitializer("shape", Tensor.of(new long[] {5, -1}, 2));
        g.addNode(new Node("Conv", "conv", List.of("input", "w"), List.of("c")));
        g.addNode(new Node("Reshape", "bad_reshape", List.of("c", "shape"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        Path model = save("bad-reshape", m);
        Path out = dir.resolve("bad-reshape-out");
        Path q = dir.resolve("bad-reshape-q.onnx");
        Path inputs = inputsFor28x28();
        assertEquals(2, check("post-load", "run", List.of(out), "run", model.toString(), "--inputs", inputs.toString(),
                "--outputs", out.toString()));
        String err = ERR.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains(model + " on " + inputs + ": Reshape node 'bad_reshape'"), err);
        assertEquals(2, check("post-load", "quantize", List.of(q), "quantize", model.toString(), "-o", q.toString(),
                "--calib", IDX.toString(), "--calib-size", "4"));
        err = ERR.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains(model + " on " + IDX + ": Reshape node 'bad_reshape'"), err);
        // a feed that does not fit the declared input: the data file is named too
        Model fixed = ModelIO.load(RESNET);
        fixed.graph().inputs().set(0, ValueInfo.of(fixed.graph().inputs().get(0).name(), DType.FLOAT, 3, 1, 28, 28));
        Path fixedFile = save("batch-3", fixed);
        assertEquals(2, check("post-load", "quantize fixed batch", List.of(q), "quantize", fixedFile.toString(), "-o",
                q.toString(), "--calib", IDX.toString(), "--calib-size", "4"));
        err = ERR.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains(fixedFile + " on " + IDX + ": input '"), err);
    }

    /** The commands that read data besides quantize, on one data file or folder (nothing is written). */
    private static void dataCommands(String category, String what, Path model, Path data) {
        String m = model.toString();
        String d = data.toString();
        check(category, what + " eval", List.of(), "eval", m, "--data", d, "--limit", "4");
        check(category, what + " compare", List.of(), "compare", m, m, "--data", d, "--limit", "4");
        check(category, what + " sensitivity", List.of(), "sensitivity", m, "--calib", d, "--data", d, "--calib-size", "4",
                "--limit", "4");
        check(category, what + " bench", List.of(), "bench", m, "--inputs", d, "--iters", "1", "--warmup", "1",
                "--warmup-seconds", "0");
    }

    /** eval, compare, sensitivity and bench on corrupt NPZ, NPY, PB and IDX data and on mutated models. */
    @Test
    void everyDataCommandSurvivesCorruptDataAndModels() throws IOException {
        Random rnd = new Random(11);
        String input = resnet().graph().inputs().get(0).name();
        float[] x = new float[4 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        Path goodNpz = dir.resolve("good.npz");
        Npz.write(goodNpz, Map.of(input, Tensor.of(x, 4, 1, 28, 28), "labels", Tensor.of(new long[] {1, 2, 3, 4}, 4)));
        byte[] npz = Files.readAllBytes(goodNpz);
        byte[] pb = TensorProtos.toProto(input, Tensor.of(Arrays.copyOf(x, 28 * 28), 1, 1, 28, 28)).toByteArray();
        Map<String, byte[]> variants = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            byte[] b = i % 2 == 0 ? Arrays.copyOf(npz, rnd.nextInt(npz.length)) : npz.clone();
            if (i % 2 == 1) {
                for (int k = 0; k < 6; k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
                }
            }
            variants.put("npz" + i + ".npz", b);
            byte[] p = i % 2 == 0 ? Arrays.copyOf(pb, rnd.nextInt(pb.length)) : pb.clone();
            if (i % 2 == 1) {
                for (int k = 0; k < 6; k++) {
                    p[rnd.nextInt(Math.min(p.length, 64))] = (byte) rnd.nextInt();
                }
            }
            variants.put("pb" + i, p);
        }
        for (Map.Entry<String, byte[]> v : variants.entrySet()) {
            Path data;
            if (v.getKey().startsWith("pb")) {
                data = Files.createDirectories(dir.resolve("pbs-" + v.getKey()).resolve("test_data_set_0"));
                Files.write(data.resolve("input_0.pb"), v.getValue());
                data = data.getParent();
            } else {
                data = dir.resolve(v.getKey());
                Files.write(data, v.getValue());
            }
            dataCommands("corrupt-data-all-commands", v.getKey(), RESNET, data);
        }
        // well-formed archives that do not fit the model: a wrong member name, a wrong sample shape, int labels as input
        Path wrongName = dir.resolve("wrong-name.npz");
        Npz.write(wrongName, Map.of("not_an_input", Tensor.of(x, 4, 1, 28, 28)));
        Path wrongShape = dir.resolve("wrong-shape.npz");
        Npz.write(wrongShape, Map.of(input, Tensor.of(x, 4, 28, 28, 1)));
        Path ints = dir.resolve("ints.npz");
        Npz.write(ints, Map.of(input, Tensor.of(new long[4 * 28 * 28], 4, 1, 28, 28)));
        for (Path p : List.of(wrongName, wrongShape, ints)) {
            dataCommands("corrupt-data-all-commands", p.getFileName().toString(), RESNET, p);
        }
        dataCommands("corrupt-data-all-commands", "good npz", RESNET, goodNpz);
        byte[] original = Files.readAllBytes(RESNET);
        for (int i = 0; i < 6; i++) {
            byte[] b = i % 2 == 0 ? Arrays.copyOf(original, rnd.nextInt(original.length)) : original.clone();
            if (i % 2 == 1) {
                for (int k = 0; k < 4; k++) {
                    b[rnd.nextInt(Math.min(b.length, 4096))] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            Path f = dir.resolve("dmut" + i + ".onnx");
            Files.write(f, b);
            dataCommands("mutated-model-all-commands", "mutation " + i, f, goodNpz);
        }
    }

    /** Initializer headers that promise impossible tensors. */
    @Test
    void impossibleInitializerShapesAreRefused() throws IOException {
        ModelProto base = ModelIO.toProto(resnet());
        long[][] dims = {{1_000_000, 1_000_000, 3, 3}, {-4, 3}, {Long.MAX_VALUE / 2, 4}, {65536, 65536}};
        for (long[] d : dims) {
            ModelProto.Builder b = base.toBuilder();
            TensorProto.Builder t = b.getGraphBuilder().getInitializerBuilder(0).clearDims();
            for (long x : d) {
                t.addDims(x);
            }
            allCommands("initializer-shape", Arrays.toString(d), saveProto("dims" + Math.abs(Arrays.hashCode(d)), b.build()), true);
        }
    }

    /** External data must stay inside the model's folder: refused before anything is opened. */
    @Test
    void externalDataOutsideTheModelFolderIsRefused() throws IOException {
        Path modelDir = Files.createDirectories(dir.resolve("model-folder"));
        Path secret = dir.resolve("secret.bin"); // outside the folder, and long enough to be read
        Files.write(secret, new byte[1 << 20]);
        Path link = modelDir.resolve("link.bin");
        Files.createSymbolicLink(link, secret);
        ModelProto base = ModelIO.toProto(resnet());
        for (String location : List.of("../secret.bin", secret.toString(), "sub/../../secret.bin", "link.bin",
                "/etc/passwd", "../../../../../../etc/passwd")) {
            ModelProto.Builder b = base.toBuilder();
            TensorProto.Builder t = b.getGraphBuilder().getInitializerBuilder(0);
            t.clearRawData().clearFloatData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
            Path f = modelDir.resolve("ext" + Math.abs(location.hashCode()) + ".onnx");
            Files.write(f, b.build().toByteArray());
            check("external-data", location, List.of(), "inspect", f.toString());
            String err = ERR.toString(StandardCharsets.UTF_8);
            assertTrue(err.contains("outside the model's folder"), location + ": " + err);
            allCommands("external-data", location, f, true);
        }
    }

    /** Seeded byte-level mutations of a real model: truncation, flipped bytes, inserted garbage. */
    @Test
    void mutatedModelFilesNeverCrash() throws IOException {
        byte[] original = Files.readAllBytes(RESNET);
        Random rnd = new Random(20261202);
        for (int i = 0; i < 24; i++) {
            byte[] b;
            String kind;
            switch (i % 3) {
                case 0 -> {
                    kind = "truncated";
                    b = Arrays.copyOf(original, rnd.nextInt(original.length));
                }
                case 1 -> {
                    kind = "flipped";
                    b = original.clone();
                    for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                        b[rnd.nextInt(Math.min(b.length, 4096))] ^= (byte) (1 << rnd.nextInt(8)); // the header: graph structure
                    }
                }
                default -> {
                    kind = "inserted";
                    int at = rnd.nextInt(original.length);
                    byte[] junk = new byte[1 + rnd.nextInt(64)];
                    rnd.nextBytes(junk);
                    b = new byte[original.length + junk.length];
                    System.arraycopy(original, 0, b, 0, at);
                    System.arraycopy(junk, 0, b, at, junk.length);
                    System.arraycopy(original, at, b, at + junk.length, original.length - at);
                }
            }
            Path f = dir.resolve("mut" + i + ".onnx");
            Files.write(f, b);
            allCommands("mutated-model", kind + " " + i, f, false);
        }
    }

    /**
     * Seeded mutations that keep the file well formed but make the graph wrong: attributes with
     * values out of range (kernel shapes, pads, strides, axes), initializers with other shapes of
     * the same size, ops swapped for others. The kernels must say what is wrong, not crash.
     */
    @Test
    void semanticallyMutatedGraphsNeverCrash() throws IOException {
        Random rnd = new Random(Long.getLong("lowbit.fuzz.seed", 42));
        int cases = Integer.getInteger("lowbit.fuzz.cases", 180);
        List<String> failures = new ArrayList<>();
        long[] odd = {-1, 0, 1, 2, 3, 7, 1 << 20, Integer.MAX_VALUE, -100};
        List<String> ops = List.of("Relu", "Add", "Conv", "Gemm", "Flatten", "GlobalAveragePool", "MaxPool", "Transpose", "Softmax");
        List<String> bases = List.of("resnet_fmnist", "mbv2_fmnist", "tiny_transformer");
        for (int i = 0; i < cases; i++) {
            Model m = ModelIO.load(TestResources.of("models/" + bases.get(i % 3) + ".onnx"));
            Graph g = m.graph();
            Node n = g.nodes().get(rnd.nextInt(g.nodes().size()));
            String what;
            switch ((i / 3) % 4) {
                case 0 -> {
                    List<dev.lowbit.onnx.Attribute> ints = n.attributes().values().stream()
                            .filter(a -> a.type() == dev.lowbit.onnx.Attribute.Type.INTS || a.type() == dev.lowbit.onnx.Attribute.Type.INT).toList();
                    if (ints.isEmpty()) {
                        n.set(dev.lowbit.onnx.Attribute.ofInts("axes", odd[rnd.nextInt(odd.length)]));
                        what = n.label() + " axes";
                        break;
                    }
                    dev.lowbit.onnx.Attribute a = ints.get(rnd.nextInt(ints.size()));
                    if (a.type() == dev.lowbit.onnx.Attribute.Type.INT) {
                        n.set(dev.lowbit.onnx.Attribute.ofInt(a.name(), odd[rnd.nextInt(odd.length)]));
                    } else {
                        long[] v = ((long[]) a.value()).clone();
                        if (v.length > 0) {
                            v[rnd.nextInt(v.length)] = odd[rnd.nextInt(odd.length)];
                        }
                        n.set(dev.lowbit.onnx.Attribute.ofInts(a.name(), v));
                    }
                    what = n.label() + " " + a.name();
                }
                case 1 -> {
                    List<String> names = new ArrayList<>(g.initializers().keySet());
                    String name = names.get(rnd.nextInt(names.size()));
                    Tensor t = g.initializers().get(name);
                    int[] shape = t.shape();
                    if (shape.length > 1) {
                        int a = rnd.nextInt(shape.length), b = rnd.nextInt(shape.length);
                        int tmp = shape[a];
                        shape[a] = shape[b];
                        shape[b] = tmp;
                    } else {
                        shape = new int[] {1, t.size()};
                    }
                    g.setInitializer(name, Tensor.wrap(t.dtype(), shape, t.data()));
                    what = "initializer " + name + " as " + Arrays.toString(shape);
                }
                case 2 -> {
                    n.setOpType(ops.get(rnd.nextInt(ops.size())));
                    what = n.label() + " swapped";
                }
                default -> {
                    if (n.inputs().size() > 1) {
                        java.util.Collections.swap(n.inputs(), 0, 1);
                    } else {
                        n.inputs().add(n.inputs().isEmpty() ? g.inputs().get(0).name() : n.inputs().get(0));
                    }
                    what = n.label() + " inputs swapped";
                }
            }
            Path f = save("sem" + i, m);
            Path out = dir.resolve("sem-out" + i);
            try {
                check("semantic-mutation", i + " " + what, List.of(out), "run", f.toString(), "--inputs",
                        inputsFor28x28().toString(), "--outputs", out.toString());
            } catch (AssertionError e) {
                failures.add(e.getMessage().lines().findFirst().orElse("") + " | " + ERR.toString(StandardCharsets.UTF_8).strip());
            }
            if (i % 3 == 0) { // and through the PTQ pipeline (graph preparation, calibration, writers)
                Path q = dir.resolve("sem-q" + i + ".onnx");
                try {
                    check("semantic-mutation-quantize", i + " " + what, List.of(q), "quantize", f.toString(), "-o", q.toString(),
                            "--calib", IDX.toString(), "--calib-size", "4");
                } catch (AssertionError e) {
                    failures.add(e.getMessage().lines().findFirst().orElse("") + " | " + ERR.toString(StandardCharsets.UTF_8).strip());
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    /** Corrupt calibration data in every format quantize reads, and corrupt configs. */
    @Test
    void corruptDataAndConfigsNeverCrash() throws IOException {
        Random rnd = new Random(7);
        byte[] idx;
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(IDX))) {
            idx = Arrays.copyOf(in.readAllBytes(), 16 + 8 * 28 * 28);
        }
        idx[7] = 8; // header: 8 images
        float[] x = new float[4 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        byte[] npy = Npy.toBytes(Tensor.of(x, 4, 1, 28, 28));
        List<Object[]> files = new ArrayList<>();
        files.add(new Object[] {"idx", idx});
        files.add(new Object[] {"npy", npy});
        for (Object[] f : files) {
            byte[] good = (byte[]) f[1];
            for (int i = 0; i < 8; i++) {
                byte[] b = i % 2 == 0 ? Arrays.copyOf(good, rnd.nextInt(good.length)) : good.clone();
                if (i % 2 == 1) {
                    for (int k = 0; k < 4; k++) {
                        b[rnd.nextInt(Math.min(b.length, 128))] = (byte) rnd.nextInt();
                    }
                }
                Path data = dir.resolve("data" + f[0] + i + "." + f[0]);
                Files.write(data, b);
                Path q = dir.resolve("qd" + f[0] + i + ".onnx");
                check("corrupt-data", f[0] + " " + i, List.of(q), "quantize", RESNET.toString(), "-o", q.toString(),
                        "--calib", data.toString(), "--calib-size", "4");
            }
        }
        float[] nan = x.clone();
        nan[5] = Float.NaN;
        Path nanFile = dir.resolve("nan.npy");
        Npy.write(nanFile, Tensor.of(nan, 4, 1, 28, 28));
        Path q = dir.resolve("qnan.onnx");
        assertEquals(2, check("corrupt-data", "nan", List.of(q), "quantize", RESNET.toString(), "-o", q.toString(),
                "--calib", nanFile.toString(), "--calib-size", "4"));
        Path png = Files.createDirectories(dir.resolve("pngs/cls"));
        byte[] junkPng = new byte[200];
        rnd.nextBytes(junkPng);
        junkPng[0] = (byte) 0x89;
        junkPng[1] = 'P';
        junkPng[2] = 'N';
        junkPng[3] = 'G';
        Files.write(png.resolve("a.png"), junkPng);
        Path qp = dir.resolve("qpng.onnx");
        check("corrupt-data", "png", List.of(qp), "quantize", RESNET.toString(), "-o", qp.toString(),
                "--calib", dir.resolve("pngs").toString(), "--calib-size", "4");
        List<String> yamls = List.of("", "calib-size: [1, 2\n", "per-channel: maybe\n", "weights: many\n",
                "model: " + RESNET + "\n\tbad: tab\n", "- a\n- b\n", "batch: -5\n", "no-such-key: 1\n",
                "size-budget: -1\nmixed-precision: true\n");
        for (int i = 0; i < yamls.size(); i++) {
            Path y = dir.resolve("c" + i + ".yaml");
            Files.writeString(y, yamls.get(i));
            Path qy = dir.resolve("qy" + i + ".onnx");
            assertEquals(2, check("corrupt-config", "yaml " + i, List.of(qy), "quantize", RESNET.toString(), "-o", qy.toString(),
                    "--calib", IDX.toString(), "--calib-size", "4", "--config", y.toString()), yamls.get(i));
        }
    }

    /** Flags out of range or contradicting each other fail at once with one line. */
    @Test
    void badFlagsFailBeforeAnyWork() throws IOException {
        Path q = dir.resolve("qf.onnx");
        List<String[]> cases = List.of(
                new String[] {"--mixed-precision", "--size-budget", "-1", "--data", IDX.toString()},
                new String[] {"--per-channel", "--per-tensor"},
                new String[] {"--weights", "0"},
                new String[] {"--calib-size", "0"},
                new String[] {"--exclude", "no_such_node"},
                new String[] {"--pixel-scale", "NaN"},
                new String[] {"--size", "0x0"},
                new String[] {"--max-drop", "-3", "--data", IDX.toString()});
        for (String[] extra : cases) {
            List<String> args = new ArrayList<>(List.of("quantize", RESNET.toString(), "-o", q.toString(), "--calib", IDX.toString(),
                    "--calib-size", "4"));
            args.addAll(List.of(extra));
            assertEquals(2, check("bad-flags", String.join(" ", extra), List.of(q), args.toArray(String[]::new)),
                    String.join(" ", extra));
        }
        assertEquals(2, check("bad-flags", "-o folder", List.of(), "quantize", RESNET.toString(), "-o", dir.toString(),
                "--calib", IDX.toString(), "--calib-size", "4"));
    }
}
