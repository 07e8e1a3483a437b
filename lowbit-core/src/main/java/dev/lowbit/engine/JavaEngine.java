package dev.lowbit.engine;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * lowbit's own engine: the pure-Java {@link Executor}. Building one resolves every node to a
 * kernel, so an unsupported op fails here, at load time, with a one-line
 * {@link dev.lowbit.UnsupportedOpException}.
 *
 * <p>QDQ models run with integer kernels where integer runtimes fuse them ({@link QdqFusion}).
 *
 * <p>The kernel thread count is process-wide ({@link Parallel#setThreads}); a {@code threads}
 * argument sets it.
 */
public final class JavaEngine implements Engine {
    private final Model model;
    private final Executor executor;

    /** An engine for an in-memory model, with the current kernel thread count. */
    public JavaEngine(Model model) {
        this(model, 0);
    }

    /** An engine for an in-memory model; {@code threads > 0} sets the kernel thread count. */
    public JavaEngine(Model model, int threads) {
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        this.model = model;
        this.executor = new Executor(QdqFusion.forExecution(model));
    }

    /**
     * An engine whose nodes resolve against {@code registry} instead of the standard one: for
     * custom ops or a restricted op set. {@code threads > 0} sets the kernel thread count.
     */
    public JavaEngine(Model model, dev.lowbit.exec.OpRegistry registry, int threads) {
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        this.model = model;
        this.executor = new Executor(model.graph(), model.opsets(), registry);
    }

    /** Loads a model file; {@code threads > 0} sets the kernel thread count. */
    public static JavaEngine open(Path file, int threads) {
        Model m = ModelIO.load(file);
        try {
            return new JavaEngine(m, threads);
        } catch (dev.lowbit.UnsupportedOpException e) {
            throw new dev.lowbit.UnsupportedOpException(file + ": " + e.getMessage());
        } catch (dev.lowbit.LowbitException e) {
            throw new dev.lowbit.LowbitException(file + ": " + e.getMessage(), e);
        }
    }

    /** The model this engine runs. */
    public Model model() {
        return model;
    }

    /** The underlying executor (for hooks that observe intermediate values). */
    public Executor executor() {
        return executor;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public List<ValueInfo> inputs() {
        return executor.inputs();
    }

    @Override
    public List<ValueInfo> outputs() {
        return model.graph().outputs();
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return executor.run(inputs);
    }

    @Override
    public void close() {
        // nothing native to free: tensors are plain Java arrays
    }
}
