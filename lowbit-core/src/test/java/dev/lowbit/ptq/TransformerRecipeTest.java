package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.NamedArrayDataset;
import dev.lowbit.eval.Embeddings;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The transformer recipe on a BERT-shaped encoder: chosen by itself, it quantizes the matrix
 * products and the embedding table and keeps the mask arithmetic, Softmax, LayerNorm, GELU and
 * residuals float; the quantized model's mean-pooled embeddings stay close to float in ONNX Runtime
 * (where the CNN recipe, which quantizes the mask Add, does not).
 */
class TransformerRecipeTest {
    private static Map<String, Tensor> feeds(long seed, int n) {
        Tensor[] t = TinyBert.tokens(seed, n, 12);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", t[0]);
        m.put("attention_mask", t[1]);
        return m;
    }

    @Test
    void detectsAttentionAndPlansOnlyTheMatrixProducts() {
        Model m = PostTrainingQuantizer.prepare(TinyBert.build(1, 13));
        assertEquals(Recipe.TRANSFORMER, Recipe.detect(m.graph()));
        assertEquals(Recipe.CNN, Recipe.detect(TinyNets.cnn(1, false).graph()));
        QuantPlan plan = QuantPlanner.plan(m.graph(), java.util.Set.of());
        for (String node : new String[] {"mm_q", "mm_k", "mm_v", "mm_o", "mm_1", "mm_2", "scores", "context", "embed"}) {
            assertTrue(plan.quantizedNodes().contains(node), node + " runs quantized: " + plan.floatNodes());
        }
        for (String node : new String[] {"mask_add", "softmax", "residual1", "residual2", "gelu_erf", "ln1_div", "bias_q"}) {
            assertTrue(plan.floatNodes().containsKey(node), node + " stays float");
        }
        // h0 feeds Q, K, V and the residual: only the MatMuls read its dequantized value.
        assertEquals(java.util.Set.of("mm_q", "mm_k", "mm_v"), plan.readers().get("h0"));
        assertTrue(plan.weights().stream().anyMatch(w -> w.node().equals("embed") && w.channelAxis() == 0));
        assertTrue(plan.activations().stream().noneMatch(a -> a.equals("sm") || a.equals("q_mm")), "outputs stay float");
    }

    @Test
    void staticInt8KeepsPooledEmbeddingsInOnnxRuntime() {
        Model f = TinyBert.build(2, 13);
        DatasetOptions opt = DatasetOptions.forModel(f);
        NamedArrayDataset calib = NamedArrayDataset.of("calib", feeds(3, 64), null, opt);
        PtqResult r = new PostTrainingQuantizer(PtqConfig.builder().build()).quantize(f, calib);
        assertEquals(Recipe.TRANSFORMER, r.plan().recipe());
        PtqResult cnn = new PostTrainingQuantizer(PtqConfig.builder().recipe(Recipe.CNN).build()).quantize(f, calib);

        Map<String, Tensor> x = feeds(4, 32);
        Tensor ref = Ort.run(ModelIO.toProto(f).toByteArray(), x).get("last_hidden_state");
        Tensor got = Ort.run(ModelIO.toProto(r.quantized()).toByteArray(), x).get("last_hidden_state");
        Tensor bad = Ort.run(ModelIO.toProto(cnn.quantized()).toByteArray(), x).get("last_hidden_state");
        Tensor ours = new Executor(r.quantized()).run(x).get("last_hidden_state");
        double cos = pooledCosine(ref, got, x.get("attention_mask"));
        assertTrue(cos > 0.99, "transformer recipe pooled cosine in ORT " + cos);
        assertTrue(pooledCosine(got, ours, x.get("attention_mask")) > 0.9999, "lowbit's engine agrees with ORT");
        assertTrue(pooledCosine(ref, bad, x.get("attention_mask")) < cos, "the CNN recipe is worse");

        // the self-check measured on calibration samples (no held-out data) and saw no problem
        assertNotNull(r.quality());
        assertNull(r.quality().warning(), r.quality().toString());
        // the embedding table is stored as int8: about 4x smaller than float
        Tensor table = r.quantized().graph().initializers().entrySet().stream()
                .filter(e -> e.getKey().startsWith("emb_quantized")).findFirst().orElseThrow().getValue();
        assertEquals(dev.lowbit.tensor.DType.INT8, table.dtype());
    }

    @Test
    void opset11ModelIsConvertedForPerChannelWeights() {
        Model f = TinyBert.build(5, 11);
        NamedArrayDataset calib = NamedArrayDataset.of("calib", feeds(6, 32), null, DatasetOptions.forModel(f));
        PtqResult r = new PostTrainingQuantizer(PtqConfig.builder().build()).quantize(f, calib);
        assertTrue(r.notes().get("opset").startsWith("converted opset 11 to 13"), r.notes().toString());
        assertEquals(13, r.quantized().opset());
        PtqResult perTensor = new PostTrainingQuantizer(PtqConfig.builder().perChannel(false).build()).quantize(f, calib);
        assertTrue(perTensor.quantized().opset() < 13, "per-tensor weights keep the old opset");
        Map<String, Tensor> x = feeds(7, 16);
        Tensor ref = Ort.run(ModelIO.toProto(f).toByteArray(), x).get("last_hidden_state");
        for (PtqResult q : new PtqResult[] {r, perTensor}) {
            Tensor got = Ort.run(ModelIO.toProto(q.quantized()).toByteArray(), x).get("last_hidden_state");
            assertTrue(pooledCosine(ref, got, x.get("attention_mask")) > 0.98);
        }
    }

    @Test
    void dynamicModeRunsInOnnxRuntimeAndLowbitWithoutData() {
        Model f = TinyBert.build(8, 13);
        DynamicQuantizer.Result r = new DynamicQuantizer(PtqConfig.builder().build()).quantize(f);
        java.util.Set<String> ops = new java.util.HashSet<>();
        r.quantized().graph().nodes().forEach(n -> ops.add(n.opType()));
        assertTrue(ops.contains("DynamicQuantizeLinear") && ops.contains("MatMulInteger"), ops.toString());
        assertTrue(!ops.contains("ConvInteger") && !ops.contains("QuantizeLinear"), ops.toString());
        assertEquals(7, r.plan().weights().size(), "six MatMul weights and the embedding table");
        long dql = r.quantized().graph().nodes().stream().filter(n -> n.opType().equals("DynamicQuantizeLinear")).count();
        assertEquals(4, dql, "one DynamicQuantizeLinear per input tensor (h0 feeds Q, K and V)");
        Map<String, Tensor> x = feeds(9, 16);
        Tensor ref = Ort.run(ModelIO.toProto(f).toByteArray(), x).get("last_hidden_state");
        Tensor got = Ort.run(ModelIO.toProto(r.quantized()).toByteArray(), x).get("last_hidden_state");
        Tensor ours = new Executor(r.quantized()).run(x).get("last_hidden_state");
        double cos = pooledCosine(ref, got, x.get("attention_mask"));
        assertTrue(cos > 0.99, "dynamic pooled cosine in ORT " + cos);
        assertTrue(pooledCosine(got, ours, x.get("attention_mask")) > 0.9999, "lowbit's engine agrees with ORT");

        // a CNN: its Conv layers stay float, the classifier Gemm is quantized dynamically
        DynamicQuantizer.Result cnn = new DynamicQuantizer(PtqConfig.builder().build()).quantize(TinyNets.cnn(1, false));
        assertTrue(cnn.plan().floatNodes().get("conv1").contains("stays float"), cnn.plan().floatNodes().toString());
        assertEquals(java.util.List.of("fc"), cnn.plan().quantizedNodes());
    }

    private static double pooledCosine(Tensor a, Tensor b, Tensor mask) {
        float[] pa = Embeddings.meanPool(a, mask);
        float[] pb = Embeddings.meanPool(b, mask);
        dev.lowbit.eval.Agreement ag = new dev.lowbit.eval.Agreement();
        ag.addSamples(pa, pb, a.dim(0));
        return ag.meanSampleCosine();
    }
}
