package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import java.util.List;

/** The op families lowbit ships, in registration order; the service {@link OpRegistry} loads. */
public final class StandardOps implements OpRegistry.Family {
    /** Public for {@link java.util.ServiceLoader}. */
    public StandardOps() {
    }

    @Override
    public void register(OpRegistry registry) {
        families().forEach(f -> f.register(registry));
    }

    public static List<OpRegistry.Family> families() {
        return List.of(
                new ElementwiseOps(),
                new ActivationOps(),
                new ReduceOps(),
                new ShapeOps(),
                new IndexingOps(),
                new ResizePadOps(),
                new ConvOps(),
                new PoolOps(),
                new MatMulOps(),
                new NormalizationOps(),
                new QuantOps(),
                new QGemmOps(),
                new MatMulIntegerToFloatOps(),
                new QLinearBinaryOps(),
                new QLinearPoolOps(),
                new QLinearTableOps(),
                new ControlFlowOps(),
                new RecurrentOps(),
                new SignalOps(),
                new EinsumOps(),
                new MiscMathOps(),
                new TrainingOps(),
                new StringOps(),
                new TfIdfOps());
    }
}
