package dev.lowbit.eval;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Compares a float model with its quantized version on the same data, with lowbit's engine: per
 * output top-1 agreement, SQNR and cosine similarity; with {@code layers}, the same for every
 * intermediate tensor that both graphs compute under the same name (the quantized graph keeps the
 * float tensor names of the values it quantizes).
 */
public final class ModelComparison {
    /** One compared tensor. */
    public record Row(String tensor, String producer, double sqnrDb, double cosine, double maxAbsError,
                      double top1Agreement) {
    }

    /** Outputs first, then layers in the float graph's execution order. */
    public record Result(List<Row> outputs, List<Row> layers, long samples) {
    }

    private ModelComparison() {
    }

    public static Result compare(Model floatModel, Model quantModel, Dataset data, int batchSize, boolean layers,
                                 LongConsumer progress) {
        Executor fe = new Executor(floatModel);
        Executor qe = new Executor(quantModel);
        if (fe.inputs().size() != 1 || qe.inputs().size() != 1) {
            throw new LowbitException("compare feeds one input; the models have " + fe.inputs().size() + " and "
                    + qe.inputs().size());
        }
        Map<String, String> producers = new LinkedHashMap<>();
        Set<String> common = new LinkedHashSet<>();
        if (layers) {
            Set<String> quantValues = new java.util.HashSet<>();
            quantModel.graph().nodes().forEach(n -> quantValues.addAll(n.outputs()));
            for (Node n : floatModel.graph().topologicalOrder()) {
                for (String o : n.outputs()) {
                    if (!o.isEmpty() && quantValues.contains(o)) {
                        common.add(o);
                        producers.put(o, n.opType() + " " + (n.name().isEmpty() ? o : n.name()));
                    }
                }
            }
        }
        List<String> outputs = floatModel.graph().outputs().stream().map(v -> v.name()).toList();
        Map<String, Agreement> outAgree = new LinkedHashMap<>();
        Map<String, Agreement> layerAgree = new LinkedHashMap<>();
        outputs.forEach(o -> outAgree.put(o, new Agreement()));
        common.forEach(o -> layerAgree.put(o, new Agreement()));
        String fin = fe.inputs().get(0).name();
        String qin = qe.inputs().get(0).name();
        long samples = 0;
        Iterator<Batch> it = data.batches(batchSize);
        while (it.hasNext()) {
            Batch b = it.next();
            Map<String, Tensor> f = fe.run(Map.of(fin, b.images()), null, common);
            Map<String, Tensor> q = qe.run(Map.of(qin, b.images()), null, common);
            for (String o : outputs) {
                add(outAgree.get(o), f.get(o), q.get(o), true);
            }
            for (String o : common) {
                add(layerAgree.get(o), f.get(o), q.get(o), false);
            }
            samples += b.size();
            if (progress != null) {
                progress.accept(samples);
            }
        }
        return new Result(rows(outAgree, Map.of()), rows(layerAgree, producers), samples);
    }

    private static void add(Agreement a, Tensor f, Tensor q, boolean classifier) {
        if (f == null || q == null || f.dtype() != DType.FLOAT || q.dtype() != DType.FLOAT) {
            return;
        }
        if (!Arrays.equals(f.shapeRef(), q.shapeRef())) {
            return;
        }
        int classes = classifier && f.rank() == 2 ? f.dim(1) : 0;
        a.add(f.floats(), q.floats(), classes);
    }

    private static List<Row> rows(Map<String, Agreement> m, Map<String, String> producers) {
        return m.entrySet().stream().filter(e -> e.getValue().elements() > 0)
                .map(e -> new Row(e.getKey(), producers.getOrDefault(e.getKey(), "output"), e.getValue().sqnrDb(),
                        e.getValue().cosine(), e.getValue().maxAbsError(), e.getValue().top1Agreement()))
                .toList();
    }
}
