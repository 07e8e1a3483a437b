package dev.lowbit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.eval.Agreement;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.CalibrationMethod;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.ptq.QuantPlannerTest;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    private static final Pattern DATA = Pattern.compile(
            "<script type=\"application/json\" id=\"" + HtmlReport.DATA_ID + "\">(.*?)</script>", Pattern.DOTALL);

    private static PtqResult result;
    private static QuantReport report;
    private static String html;

    @TempDir
    Path dir;

    /** Random inputs for the residual test graph (x: [N, 2, 4, 4]), seeded. */
    static final class RandomImages extends Dataset {
        private final long seed;

        RandomImages(int n, long seed) {
            super("random", n, DatasetOptions.defaults());
            this.seed = seed;
        }

        @Override
        public int[] sampleShape() {
            return new int[] {2, 4, 4};
        }

        @Override
        public boolean hasLabels() {
            return false;
        }

        @Override
        protected void readSamples(int[] indices, int n, float[] dst, long[] labels) {
            for (int i = 0; i < n; i++) {
                Random r = new Random(seed * 1_000_003 + indices[i]);
                for (int k = 0; k < 32; k++) {
                    dst[i * 32 + k] = (float) (r.nextGaussian() * 1.5 + 0.3);
                }
            }
        }
    }

    static Model residualModel() {
        Model m = new Model(QuantPlannerTest.residualGraphForTests());
        m.opsets().put("", 13L);
        return m;
    }

    @BeforeAll
    static void quantizeOnce() {
        PtqConfig cfg = PtqConfig.builder().calibSize(96).batchSize(16).method(CalibrationMethod.BEST).build();
        Dataset data = new RandomImages(96, 7);
        result = new PostTrainingQuantizer(cfg).quantize(residualModel(), data);
        report = new QuantReportBuilder(result).model("dir/residual.onnx", 2000).output("residual.int8.onnx", 900)
                .compareOn(data, 48, 16)
                .sensitivity("top-1 drop (%)", List.of(new QuantReport.LayerMetric("conv1", 1.25),
                        new QuantReport.LayerMetric("conv2", 0.5)))
                .build();
        html = HtmlReport.render(report);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> embedded(String page) {
        Matcher m = DATA.matcher(page);
        assertTrue(m.find(), "the page embeds the report as JSON");
        return (Map<String, Object>) Json.parse(m.group(1));
    }

    /** An SQNR read back: JSON null stands for +infinity (no error) here. */
    private static double db(Object o) {
        return o == null ? Double.POSITIVE_INFINITY : d(o);
    }

    private static double d(Object o) {
        return ((Number) o).doubleValue();
    }

    @Test
    void pageIsSelfContainedWithChartJsInlined() {
        assertTrue(html.contains(ChartJs.source()), "Chart.js is inlined verbatim");
        assertTrue(ChartJs.source().contains("Chart.js v" + ChartJs.version()));
        assertTrue(ChartJs.source().length() > 100_000, "the whole UMD bundle, not a stub");
        assertFalse(html.contains("<script src"), "no external scripts");
        assertFalse(html.contains("<link"), "no external style sheets");
        assertFalse(html.contains("sourceMappingURL"), "no reference to a .map file that is not there");
    }

    @Test
    void oneHistogramChartPerCalibratedActivation() {
        List<String> calibrated = result.plan().calibratedActivations();
        assertEquals(calibrated.size(), result.histograms().size());
        assertEquals(calibrated.size(), count(html, "<canvas id=\"hist-"));
        for (String a : calibrated) {
            assertTrue(html.contains("<figcaption><b>" + HtmlReport.esc(a) + "</b>"), a);
        }
        assertTrue(html.contains("id=\"chart-activation-sqnr\""));
        assertTrue(html.contains("id=\"chart-node-sqnr\""));
        assertTrue(html.contains("id=\"chart-methods\""), "candidate scores are charted when best ran");
        assertTrue(html.contains("id=\"chart-sensitivity\""), "sensitivity is charted when supplied");
    }

    @Test
    void tableRowForEveryQuantizedNodeAndActivation() {
        QuantPlan plan = result.plan();
        for (String n : plan.quantizedNodes()) {
            assertTrue(html.contains("\">" + HtmlReport.esc(n) + "</td><td>"), "node row " + n);
        }
        for (String a : plan.activations()) {
            assertTrue(html.contains("<tr><td class=\"name\">" + HtmlReport.esc(a) + "</td>"), "activation row " + a);
        }
        plan.floatNodes().forEach((n, why) -> assertTrue(html.contains(HtmlReport.esc(why)), why));
        assertTrue(html.contains("<td class=\"name\">conv1</td><td class=\"num\">1.250</td>"), "sensitivity table");
    }

    @Test
    @SuppressWarnings("unchecked")
    void embeddedJsonMatchesTheQuantizationResult() {
        Map<String, Object> json = embedded(html);
        Map<String, Object> summary = (Map<String, Object>) json.get("summary");
        assertEquals(result.method().toString(), summary.get("method"));
        assertEquals(result.calibrationSamples(), (int) d(summary.get("calibrationSamples")));
        assertEquals(result.candidateScores().keySet(), ((Map<String, Object>) summary.get("candidateScores")).keySet());
        result.candidateScores().forEach((k, v) ->
                assertEquals(v, d(((Map<String, Object>) summary.get("candidateScores")).get(k)), 1e-9 * Math.abs(v)));
        assertEquals(2000, d(summary.get("bytesBefore")));

        QuantPlan plan = result.plan();
        List<Map<String, Object>> acts = (List<Map<String, Object>>) json.get("activations");
        assertEquals(plan.activations().size(), acts.size());
        for (Map<String, Object> a : acts) {
            String name = (String) a.get("tensor");
            QuantParams p = result.activations().get(plan.paramsSource(name));
            float scale = (float) d(a.get("scale"));
            int zp = (int) d(a.get("zeroPoint"));
            assertEquals(p.scales()[0], scale, name);
            assertEquals(p.zeroPoints()[0], zp, name);
            assertEquals((p.scheme().qmax() - zp) * scale, (float) d(a.get("clipMax")), name);
            assertEquals((p.scheme().qmin() - zp) * scale, (float) d(a.get("clipMin")), name);
            if (result.observedRanges().containsKey(name)) {
                assertEquals(result.observedRanges().get(name).min(), (float) d(a.get("observedMin")), name);
                assertEquals(result.observedRanges().get(name).max(), (float) d(a.get("observedMax")), name);
                Map<String, Object> h = (Map<String, Object>) a.get("histogram");
                long sum = ((List<Object>) h.get("counts")).stream().mapToLong(c -> (long) d(c)).sum();
                assertEquals(result.histograms().get(name).total(), sum, "resampling keeps every count: " + name);
            } else {
                assertNotNull(a.get("sharesWith"), name);
                assertEquals(null, a.get("histogram"));
            }
            double sqnr = d(a.get("sqnrDb"));
            assertTrue(sqnr > 20 && sqnr < 80, name + " has an 8-bit-like SQNR: " + sqnr);
        }

        List<Map<String, Object>> nodes = (List<Map<String, Object>>) json.get("nodes");
        assertEquals(plan.quantizedNodes(), nodes.stream().map(n -> n.get("node")).toList());
        for (QuantPlan.Weight w : plan.weights()) {
            Map<String, Object> n = nodes.stream().filter(x -> x.get("node").equals(w.node())).findFirst().orElseThrow();
            Map<String, Object> wi = (Map<String, Object>) n.get("weight");
            QuantParams p = result.weights().get(w.initializer());
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float s : p.scales()) {
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            assertEquals(min, (float) d(wi.get("scaleMin")));
            assertEquals(max, (float) d(wi.get("scaleMax")));
            assertEquals(p.scales().length, (int) d(wi.get("channels")));
            // Independent check: round-to-nearest fake quantization of the float weight.
            Tensor fw = result.prepared().graph().initializer(w.initializer());
            Agreement ag = new Agreement();
            ag.add(fw.toFloatArray(), FakeQuant.apply(fw, p).floats(), 0);
            assertEquals(ag.sqnrDb(), db(wi.get("sqnrDb")), 1e-6, w.initializer());
            assertTrue(db(wi.get("worstChannelSqnrDb")) <= db(wi.get("sqnrDb")) + 1e-9);
        }
        assertEquals(2, ((List<Object>) json.get("sensitivity")).size());
    }

    @Test
    void activationSqnrIsTheDequantizedTensorVsFloat() {
        // Independent measurement for one activation: float tensor vs its DequantizeLinear output.
        String a = "r1";
        Model q = result.quantized();
        String dq = null;
        for (Node n : q.graph().nodes()) {
            if (n.opType().equals("DequantizeLinear") && n.input(0).equals(a + "_quantized")) {
                dq = n.output(0);
            }
        }
        for (Node n : q.graph().nodes()) { // fall back to following QuantizeLinear(a)
            if (dq == null && n.opType().equals("QuantizeLinear") && n.input(0).equals(a)) {
                String qv = n.output(0);
                dq = q.graph().consumers(qv).get(0).output(0);
            }
        }
        assertNotNull(dq);
        Executor fe = new Executor(result.prepared());
        Executor qe = new Executor(q);
        Agreement ag = new Agreement();
        Dataset data = new RandomImages(48, 7);
        for (var it = data.batches(16); it.hasNext(); ) {
            Tensor x = it.next().images();
            Tensor f = fe.run(Map.of("x", x), null, Set.of(a)).get(a);
            Tensor t = qe.run(Map.of("x", x), null, Set.of(dq)).get(dq);
            ag.add(f.floats(), t.floats(), 0);
        }
        double reported = report.activations().stream().filter(r -> r.tensor().equals(a)).findFirst().orElseThrow().sqnrDb();
        assertEquals(ag.sqnrDb(), reported, 1e-9);
    }

    @Test
    void writesTheFileAndAFailureLeavesNoFile() throws Exception {
        Path f = dir.resolve("report.html");
        HtmlReport.write(report, f);
        String written = Files.readString(f, StandardCharsets.UTF_8);
        assertEquals(html, written);
        assertTrue(written.endsWith("</html>\n"));

        // Rendering fails: the previous file is untouched and no temporary file is left behind.
        QuantReport broken = new QuantReport(null, List.of(), List.of(), null, List.of());
        assertThrows(RuntimeException.class, () -> HtmlReport.write(broken, f));
        assertEquals(html, Files.readString(f, StandardCharsets.UTF_8));
        Path fresh = dir.resolve("fresh.html");
        assertThrows(RuntimeException.class, () -> HtmlReport.write(broken, fresh));
        assertFalse(Files.exists(fresh));

        // Writing fails (the parent is a regular file): a one-line error, nothing created.
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        LowbitException e = assertThrows(LowbitException.class, () -> HtmlReport.write(report, notADir.resolve("r.html")));
        assertFalse(e.getMessage().contains("\n"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of("report.html", "plain"), files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "no temporary files left");
        }
    }

    @Test
    void scriptSafeJsonCannotCloseItsElement() {
        QuantReport.Summary s = report.summary();
        String evil = "</script><script>alert(1)</script>";
        QuantReport.Summary s2 = new QuantReport.Summary(evil, s.output(), s.backend(), s.format(), s.weightSchemes(),
                s.activationSchemes(), s.method(), s.candidateScores(), s.calibrationSamples(), s.seconds(),
                s.bytesBefore(), s.bytesAfter(), s.quantizedNodes(), s.floatNodes(), s.notes(), s.outputs(),
                s.comparedSamples(), null);
        String page = HtmlReport.render(new QuantReport(s2, report.nodes(), report.activations(), null, List.of()));
        assertFalse(page.contains("<script>alert"));
        assertEquals(evil, ((Map<?, ?>) embedded(page).get("summary")).get("model"));
    }

    @Test
    void trainedResNetReportHasEightBitSqnrEverywhere() throws Exception {
        Model m = dev.lowbit.onnx.ModelIO.load(dev.lowbit.testutil.FashionMnist.resource("models/resnet_fmnist.onnx"));
        DatasetOptions opt = DatasetOptions.defaults().withLimit(64).withPreprocess(dev.lowbit.data.Preprocess.defaults()
                .withNormalization(new float[] {dev.lowbit.testutil.FashionMnist.MEAN},
                        new float[] {dev.lowbit.testutil.FashionMnist.STD}));
        try (Dataset ds = dev.lowbit.data.Datasets.open(
                dev.lowbit.testutil.FashionMnist.resource("fmnist/calib512-images-idx3-ubyte.gz"), opt)) {
            PtqResult r = new PostTrainingQuantizer(PtqConfig.builder().calibSize(64).build()).quantize(m, ds);
            QuantReport rep = new QuantReportBuilder(r).compareOn(ds, 32, 16).build();
            assertEquals(null, rep.summary().comparisonError());
            assertEquals(32, rep.summary().comparedSamples());
            for (QuantReport.ActivationRow a : rep.activations()) {
                assertTrue(a.sqnrDb() > 20, a.tensor() + " " + a.sqnrDb());
                assertTrue(a.clipMin() <= 0 && a.clipMax() > 0, a.tensor());
            }
            for (QuantReport.NodeRow n : rep.nodes()) {
                assertTrue(n.outputSqnrDb() > 20, n.node() + " " + n.outputSqnrDb());
                if (n.weight() != null) {
                    assertTrue(n.weight().sqnrDb() > 35, n.node() + " weight " + n.weight().sqnrDb());
                }
            }
            Path f = dir.resolve("resnet.html");
            HtmlReport.write(rep, f);
            assertEquals(r.histograms().size(), count(Files.readString(f), "<canvas id=\"hist-"));
        }
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
