package dev.lowbit.cli;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowbit inspect MODEL}: what a model is made of and whether lowbit can run it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's producer, IR version, opsets, inputs/outputs, op histogram, parameter count and the ops lowbit's engine lacks.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model file.")
    Path model;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Model m = ModelIO.load(model);
        Map<String, Object> r = summarize(m);
        r.put("model", model.toString());
        if (json) {
            System.out.println(Json.write(r));
        } else {
            print(r);
        }
        return 0;
    }

    /** The inspection report as an ordered map (the JSON shape). Subgraphs (If/Loop bodies) count too. */
    static Map<String, Object> summarize(Model m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "");
        r.put("producer", (m.producerName() + " " + m.producerVersion()).strip());
        r.put("irVersion", m.irVersion());
        Map<String, Long> opsets = new LinkedHashMap<>();
        m.opsets().forEach((d, v) -> opsets.put(d.isEmpty() ? "ai.onnx" : d, v));
        r.put("opsets", opsets);
        r.put("inputs", values(m.graph().runtimeInputs()));
        r.put("outputs", values(m.graph().outputs()));
        Map<String, Integer> histogram = new TreeMap<>();
        long[] params = new long[3]; // elements, bytes, initializer count
        walk(m.graph(), histogram, params);
        List<Map<String, Object>> ops = new ArrayList<>();
        histogram.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("op", e.getKey());
                    row.put("count", e.getValue());
                    ops.add(row);
                });
        r.put("nodes", histogram.values().stream().mapToInt(Integer::intValue).sum());
        r.put("ops", ops);
        r.put("parameters", params[0]);
        r.put("parameterBytes", params[1]);
        r.put("initializers", params[2]);
        List<String> unsupported = new ArrayList<>();
        for (String op : histogram.keySet()) {
            int colon = op.lastIndexOf(':');
            String domain = colon < 0 ? "" : op.substring(0, colon);
            String type = colon < 0 ? op : op.substring(colon + 1);
            if (!OpRegistry.standard().supports(domain, type)) {
                unsupported.add(op);
            }
        }
        r.put("unsupportedOps", unsupported);
        return r;
    }

    private static void walk(Graph g, Map<String, Integer> histogram, long[] params) {
        for (Tensor t : g.initializers().values()) {
            params[0] += t.size();
            params[1] += t.byteSize();
            params[2]++;
        }
        for (Node n : g.nodes()) {
            String key = n.domain().isEmpty() ? n.opType() : n.domain() + ":" + n.opType();
            histogram.merge(key, 1, Integer::sum);
            for (Attribute a : n.attributes().values()) {
                if (a.type() == Attribute.Type.GRAPH) {
                    walk((Graph) a.value(), histogram, params);
                } else if (a.type() == Attribute.Type.GRAPHS) {
                    for (Object sub : (List<?>) a.value()) {
                        walk((Graph) sub, histogram, params);
                    }
                }
            }
        }
    }

    private static List<Map<String, Object>> values(List<ValueInfo> vs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ValueInfo v : vs) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", v.name());
            row.put("type", v.type() == null ? null : v.type().onnxName());
            row.put("shape", v.shape() == null ? null : v.shape().stream().map(ValueInfo.Dim::toString).toList());
            row.put("describe", v.describe());
            out.add(row);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> r) {
        System.out.printf("model       %s%n", r.get("model"));
        System.out.printf("producer    %s%n", r.get("producer").toString().isEmpty() ? "(none)" : r.get("producer"));
        StringBuilder ops = new StringBuilder();
        ((Map<String, Long>) r.get("opsets")).forEach((d, v) -> ops.append(ops.isEmpty() ? "" : ", ").append(d).append(' ').append(v));
        System.out.printf("ir version  %s   opsets %s%n", r.get("irVersion"), ops);
        System.out.println("inputs");
        for (Map<String, Object> v : (List<Map<String, Object>>) r.get("inputs")) {
            System.out.printf("  %-24s %s%n", v.get("name"), v.get("describe"));
        }
        System.out.println("outputs");
        for (Map<String, Object> v : (List<Map<String, Object>>) r.get("outputs")) {
            System.out.printf("  %-24s %s%n", v.get("name"), v.get("describe"));
        }
        System.out.printf(Locale.ROOT, "parameters  %,d (%s) in %d initializers%n", (Long) r.get("parameters"),
                bytes((Long) r.get("parameterBytes")), (Long) r.get("initializers"));
        List<Map<String, Object>> hist = (List<Map<String, Object>>) r.get("ops");
        System.out.printf("ops         %d nodes, %d op types%n", (Integer) r.get("nodes"), hist.size());
        hist.forEach(row -> System.out.printf("  %-24s %d%n", row.get("op"), row.get("count")));
        List<String> unsupported = (List<String>) r.get("unsupportedOps");
        System.out.println(unsupported.isEmpty() ? "lowbit's engine supports every op in this model"
                : "unsupported by lowbit's engine: " + String.join(", ", unsupported));
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
