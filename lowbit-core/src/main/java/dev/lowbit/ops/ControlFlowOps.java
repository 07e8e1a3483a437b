package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * If, Loop and Scan. Each body is planned once at load time as a nested executor
 * ({@link Subgraph}); values the body reads from the enclosing graph arrive appended to the op's
 * inputs. Only tensor values are supported (sequence/optional-typed loop state is not).
 */
final class ControlFlowOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("If", ControlFlowOps::ifOp);
        r.register("Loop", ControlFlowOps::loop);
        r.register("Scan", ControlFlowOps::scan);
    }

    private static Op ifOp(OpContext ctx) {
        Subgraph then = new Subgraph(ctx, "then_branch");
        Subgraph otherwise = new Subgraph(ctx, "else_branch");
        if (then.inputCount() != 0 || otherwise.inputCount() != 0) {
            throw ctx.unsupported("If branches must not declare inputs");
        }
        return in -> {
            Tensor cond = in[0];
            if (cond.size() != 1) {
                throw new UnsupportedOpException("If: condition must hold one element, has " + cond.size());
            }
            boolean c = cond.dtype() == DType.BOOL ? cond.bools()[0] : cond.getDouble(0) != 0;
            return (c ? then : otherwise).run(in);
        };
    }

    private static Op loop(OpContext ctx) {
        Subgraph body = new Subgraph(ctx, "body");
        int carried = ctx.node().inputs().size() - 2;
        if (body.inputCount() != carried + 2 || body.outputCount() < carried + 1) {
            throw ctx.unsupported("Loop body signature does not match " + carried + " loop-carried values");
        }
        int scanOutputs = body.outputCount() - 1 - carried;
        return in -> {
            long maxTrips = in[0] == null ? Long.MAX_VALUE : in[0].getLong(0);
            boolean cond = in[1] == null || in[1].bools()[0];
            Tensor[] state = new Tensor[carried];
            System.arraycopy(in, 2, state, 0, carried);
            List<List<Tensor>> scans = new ArrayList<>();
            for (int k = 0; k < scanOutputs; k++) {
                scans.add(new ArrayList<>());
            }
            for (long i = 0; i < maxTrips && cond; i++) {
                Tensor[] args = new Tensor[carried + 2];
                args[0] = Tensor.scalar(i);
                args[1] = Tensor.wrap(DType.BOOL, new int[0], new boolean[] {cond});
                System.arraycopy(state, 0, args, 2, carried);
                Tensor[] out = body.run(in, args);
                cond = out[0].bools()[0];
                System.arraycopy(out, 1, state, 0, carried);
                for (int k = 0; k < scanOutputs; k++) {
                    scans.get(k).add(out[1 + carried + k]);
                }
            }
            Tensor[] result = new Tensor[carried + scanOutputs];
            System.arraycopy(state, 0, result, 0, carried);
            for (int k = 0; k < scanOutputs; k++) {
                result[carried + k] = scans.get(k).isEmpty()
                        ? emptyScan(body.outputInfo(1 + carried + k))
                        : AxisSlices.stack(scans.get(k), 0, false);
            }
            return result;
        };
    }

    /** A zero-iteration scan output: needs the body's declared element type and fixed shape. */
    private static Tensor emptyScan(ValueInfo info) {
        int[] dims = info.dims();
        if (info.type() == null || dims == null || java.util.Arrays.stream(dims).anyMatch(d -> d < 0)) {
            throw new UnsupportedOpException("Loop ran zero iterations and scan output '" + info.name()
                    + "' has no fixed declared shape");
        }
        int[] shape = new int[dims.length + 1];
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return Tensor.zeros(info.type(), shape);
    }

    private static Op scan(OpContext ctx) {
        Subgraph body = new Subgraph(ctx, "body");
        int m = (int) ctx.node().getInt("num_scan_inputs", -1);
        boolean batched = ctx.opset() < 9; // opset 8: leading batch axis and optional sequence_lens input
        int first = batched ? 1 : 0;
        int n = ctx.node().inputs().size() - first - m;
        int k = ctx.node().outputs().size() - n;
        if (m <= 0 || n < 0 || k < 0 || body.inputCount() != n + m || body.outputCount() != n + k) {
            throw ctx.unsupported("Scan body signature does not match its inputs and outputs");
        }
        int[] inAxes = ctx.node().getIntArray("scan_input_axes", new int[m]);
        int[] inDirs = ctx.node().getIntArray(batched ? "directions" : "scan_input_directions", new int[m]);
        int[] outAxes = ctx.node().getIntArray("scan_output_axes", new int[k]);
        int[] outDirs = ctx.node().getIntArray("scan_output_directions", new int[k]);
        if (batched && (ctx.node().has("scan_input_axes") || ctx.node().has("scan_output_axes"))) {
            throw ctx.unsupported("Scan-8 has no axis attributes");
        }
        ScanSpec spec = new ScanSpec(body, n, m, k, inAxes, inDirs, outAxes, outDirs);
        if (!batched) {
            return in -> spec.run(in, in, 0);
        }
        return in -> {
            Tensor seqLens = in[0];
            int batch = in[1].dim(0);
            List<List<Tensor>> perOutput = new ArrayList<>();
            for (int o = 0; o < n + k; o++) {
                perOutput.add(new ArrayList<>());
            }
            for (int b = 0; b < batch; b++) {
                Tensor[] sliced = new Tensor[n + m];
                for (int i = 0; i < n + m; i++) {
                    sliced[i] = AxisSlices.take(in[1 + i], 0, b);
                }
                if (seqLens != null && seqLens.getLong(b) != sliced[n].dim(0)) {
                    throw new UnsupportedOpException("Scan-8: sequence_lens shorter than the sequence");
                }
                Tensor[] r = spec.run(in, sliced, 0);
                for (int o = 0; o < n + k; o++) {
                    perOutput.get(o).add(r[o]);
                }
            }
            Tensor[] result = new Tensor[n + k];
            for (int o = 0; o < n + k; o++) {
                result[o] = AxisSlices.stack(perOutput.get(o), 0, false);
            }
            return result;
        };
    }

    private record ScanSpec(Subgraph body, int n, int m, int k, int[] inAxes, int[] inDirs, int[] outAxes,
            int[] outDirs) {
        /** Scans {@code vals} (n states then m sequences, starting at {@code from}); outer values come from {@code opIn}. */
        Tensor[] run(Tensor[] opIn, Tensor[] vals, int from) {
            Tensor[] state = new Tensor[n];
            System.arraycopy(vals, from, state, 0, n);
            int[] axes = new int[m];
            int steps = -1;
            for (int j = 0; j < m; j++) {
                Tensor x = vals[from + n + j];
                axes[j] = Shapes.axis(inAxes[j], x.rank());
                int len = x.dim(axes[j]);
                if (steps >= 0 && len != steps) {
                    throw new UnsupportedOpException("Scan: scan inputs have different lengths");
                }
                steps = len;
            }
            List<List<Tensor>> scans = new ArrayList<>();
            for (int o = 0; o < k; o++) {
                scans.add(new ArrayList<>());
            }
            for (int t = 0; t < steps; t++) {
                Tensor[] args = new Tensor[n + m];
                System.arraycopy(state, 0, args, 0, n);
                for (int j = 0; j < m; j++) {
                    int idx = inDirs[j] == 1 ? steps - 1 - t : t;
                    args[n + j] = AxisSlices.take(vals[from + n + j], axes[j], idx);
                }
                Tensor[] out = body.run(opIn, args);
                System.arraycopy(out, 0, state, 0, n);
                for (int o = 0; o < k; o++) {
                    scans.get(o).add(out[n + o]);
                }
            }
            if (steps <= 0) {
                throw new UnsupportedOpException("Scan over an empty sequence");
            }
            Tensor[] result = new Tensor[n + k];
            System.arraycopy(state, 0, result, 0, n);
            for (int o = 0; o < k; o++) {
                int rank = scans.get(o).get(0).rank() + 1;
                result[n + o] = AxisSlices.stack(scans.get(o), Shapes.axis(outAxes[o], rank), outDirs[o] == 1);
            }
            return result;
        }
    }
}
