package dev.lowbit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.cli.Main;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lowbit quantize --report}, from flags and from a YAML config. */
class QuantizeReportCliTest {
    @TempDir
    Path dir;

    /** x [N,1,4,4] -> Conv 2x2 (3 channels) -> Relu -> Flatten -> Gemm [27 -> 4]. */
    private Path model() {
        Random r = new Random(11);
        Graph g = new Graph("tiny");
        g.inputs().add(new ValueInfo("x", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(1),
                ValueInfo.Dim.of(4), ValueInfo.Dim.of(4))));
        g.outputs().add(new ValueInfo("y", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(4))));
        g.setInitializer("w", Tensor.of(gaussian(r, 12), 3, 1, 2, 2));
        g.setInitializer("b", Tensor.of(gaussian(r, 3), 3));
        g.setInitializer("fc", Tensor.of(gaussian(r, 108), 27, 4));
        g.setInitializer("fcb", Tensor.of(gaussian(r, 4), 4));
        g.addNode(new Node("Conv", "conv", List.of("x", "w", "b"), List.of("c")).set(Attribute.ofInts("kernel_shape", 2, 2)));
        g.addNode(new Node("Relu", "relu", List.of("c"), List.of("r")));
        g.addNode(new Node("Flatten", "flatten", List.of("r"), List.of("f")));
        g.addNode(new Node("Gemm", "gemm", List.of("f", "fc", "fcb"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        Path f = dir.resolve("tiny.onnx");
        ModelIO.save(m, f);
        return f;
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** 40 random 4x4 images as an IDX file. */
    private Path images() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x00000803);
            out.writeInt(40);
            out.writeInt(4);
            out.writeInt(4);
            Random r = new Random(5);
            for (int i = 0; i < 40 * 16; i++) {
                out.writeByte(r.nextInt(256));
            }
        }
        return Files.write(dir.resolve("calib-images-idx3-ubyte"), bytes.toByteArray());
    }

    @SuppressWarnings("unchecked")
    private static void assertReport(Path html) throws IOException {
        String page = Files.readString(html);
        assertTrue(page.contains("Chart.js v" + ChartJs.version()));
        int start = page.indexOf("id=\"" + HtmlReport.DATA_ID + "\">") + HtmlReport.DATA_ID.length() + 6;
        Map<String, Object> json = (Map<String, Object>) Json.parse(page.substring(start, page.indexOf("</script>", start)));
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) json.get("nodes");
        assertEquals(List.of("conv", "relu", "flatten", "gemm"), nodes.stream().map(n -> n.get("node")).toList());
        Map<String, Object> summary = (Map<String, Object>) json.get("summary");
        assertEquals(32.0, summary.get("comparedSamples"), "the first samples of the calibration data, capped by --calib-size");
        for (Map<String, Object> a : (List<Map<String, Object>>) json.get("activations")) {
            if (a.get("tensor").equals("x")) {
                // pixel / 255 lies exactly on the uint8 grid of scale 1/255: no error, infinite SQNR (JSON null)
                assertEquals(null, a.get("sqnrDb"), a.toString());
            } else {
                assertTrue(a.get("sqnrDb") instanceof Double d && d > 15, a.toString());
            }
        }
    }

    @Test
    void reportFlagWritesTheHtmlReport() throws Exception {
        Path html = dir.resolve("out/report.html");
        int code = Main.execute("quantize", model().toString(), "-o", dir.resolve("q.onnx").toString(),
                "--calib", images().toString(), "--calib-size", "32", "--batch", "8", "--report", html.toString());
        assertEquals(0, code);
        assertReport(html);
    }

    @Test
    void reportIsSettableFromYaml() throws Exception {
        Path html = dir.resolve("from-yaml.html");
        Path yaml = Files.writeString(dir.resolve("q.yaml"), "model: " + model() + "\noutput: " + dir.resolve("q.onnx")
                + "\ncalib: " + images() + "\ncalib-size: 32\nreport: " + html + "\n");
        assertEquals(0, Main.execute("quantize", "--config", yaml.toString()));
        assertReport(html);
    }
}
