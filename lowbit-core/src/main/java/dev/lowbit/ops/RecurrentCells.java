package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.ops.RecurrentOps.Cell;
import dev.lowbit.ops.RecurrentOps.Spec;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Gemm;

/**
 * The time loop of {@link RecurrentOps}. Gate orders follow ONNX: GRU z, r, h; LSTM i, o, f, c
 * with peepholes P = [Pi, Po, Pf]. Batch rows past their {@code sequence_lens} keep their state
 * and write zeros to Y; a reverse direction walks each row from its own last valid step.
 */
final class RecurrentCells {
    private RecurrentCells() {
    }

    static Tensor[] run(Spec s, int dirs, boolean reverseOnly, Tensor[] in) {
        Cell cell = s.cell();
        int hid = s.hidden();
        int g = cell.gates;
        int gh = g * hid;
        Tensor xT = in[0];
        boolean batchMajor = s.layout() == 1;
        int seq = xT.dim(batchMajor ? 1 : 0);
        int batch = xT.dim(batchMajor ? 0 : 1);
        int inSize = xT.dim(2);
        float[] x = batchMajor ? swap01(xT.floats(), batch, seq, inSize) : xT.floats();
        float[] w = in[1].floats();
        float[] r = in[2].floats();
        if (in[1].dim(1) != gh || in[2].dim(1) != gh || in[2].dim(2) != hid || in[1].dim(0) != dirs) {
            throw new UnsupportedOpException(cell + ": W/R shapes do not match hidden_size " + hid);
        }
        float[] bias = arg(in, 3) == null ? null : in[3].floats();
        int[] lens = new int[batch];
        for (int b = 0; b < batch; b++) {
            lens[b] = arg(in, 4) == null ? seq : (int) in[4].getLong(b);
        }
        float[] h0 = initial(arg(in, 5), batchMajor, dirs, batch, hid);
        float[] c0 = cell == Cell.LSTM ? initial(arg(in, 6), batchMajor, dirs, batch, hid) : null;
        float[] peep = cell == Cell.LSTM && arg(in, 7) != null ? in[7].floats() : null;

        float[] y = new float[seq * dirs * batch * hid];
        float[] yh = new float[dirs * batch * hid];
        float[] yc = new float[dirs * batch * hid];
        for (int d = 0; d < dirs; d++) {
            boolean reverse = reverseOnly || d == 1;
            float[] xw = new float[seq * batch * gh];
            Gemm.gemm(false, true, seq * batch, gh, inSize, 1f, x, 0, inSize, w, d * gh * inSize, inSize, 0f, xw, 0, gh);
            // Fold the biases into the projection; GRU with linear_before_reset keeps Rbh apart.
            float[] rbh = new float[hid];
            if (bias != null) {
                int bo = d * 2 * gh;
                for (int row = 0; row < seq * batch; row++) {
                    for (int j = 0; j < gh; j++) {
                        boolean keepApart = cell == Cell.GRU && s.linearBeforeReset() && j >= 2 * hid;
                        xw[row * gh + j] += bias[bo + j] + (keepApart ? 0f : bias[bo + gh + j]);
                    }
                }
                if (cell == Cell.GRU && s.linearBeforeReset()) {
                    System.arraycopy(bias, bo + gh + 2 * hid, rbh, 0, hid);
                }
            }
            float[] h = new float[batch * hid];
            float[] c = new float[batch * hid];
            System.arraycopy(h0, d * batch * hid, h, 0, batch * hid);
            if (c0 != null) {
                System.arraycopy(c0, d * batch * hid, c, 0, batch * hid);
            }
            float[] hr = new float[batch * gh];
            float[] gate = new float[batch * gh]; // GRU: z and r per row
            float[] rh = new float[batch * hid];
            float[] rhR = new float[batch * hid];
            int rOff = d * gh * hid;
            for (int t = 0; t < seq; t++) {
                Gemm.gemm(false, true, batch, gh, hid, 1f, h, 0, hid, r, rOff, hid, 0f, hr, 0, gh);
                for (int b = 0; b < batch; b++) {
                    if (t >= lens[b]) {
                        continue;
                    }
                    int time = reverse ? lens[b] - 1 - t : t;
                    int xo = (time * batch + b) * gh;
                    int ho = b * hid;
                    int go = b * gh;
                    switch (cell) {
                        case RNN -> {
                            for (int j = 0; j < hid; j++) {
                                h[ho + j] = s.act(d, 0, xw[xo + j] + hr[go + j]);
                            }
                        }
                        case GRU -> {
                            for (int j = 0; j < 2 * hid; j++) {
                                gate[go + j] = s.act(d, 0, xw[xo + j] + hr[go + j]);
                            }
                            for (int j = 0; j < hid; j++) {
                                rh[ho + j] = gate[go + hid + j] * h[ho + j];
                            }
                        }
                        case LSTM -> lstmStep(s, d, peep, xw, xo, hr, go, h, c, ho, hid);
                    }
                }
                if (cell == Cell.GRU) {
                    if (!s.linearBeforeReset()) {
                        Gemm.gemm(false, true, batch, hid, hid, 1f, rh, 0, hid, r, rOff + 2 * hid * hid, hid, 0f, rhR, 0, hid);
                    }
                    for (int b = 0; b < batch; b++) {
                        if (t >= lens[b]) {
                            continue;
                        }
                        int time = reverse ? lens[b] - 1 - t : t;
                        int xo = (time * batch + b) * gh;
                        int ho = b * hid;
                        int go = b * gh;
                        for (int j = 0; j < hid; j++) {
                            float z = gate[go + j];
                            float rg = gate[go + hid + j];
                            float lin = s.linearBeforeReset() ? rg * (hr[go + 2 * hid + j] + rbh[j]) : rhR[ho + j];
                            float cand = s.act(d, 1, xw[xo + 2 * hid + j] + lin);
                            h[ho + j] = (1f - z) * cand + z * h[ho + j];
                        }
                    }
                }
                for (int b = 0; b < batch; b++) {
                    if (t < lens[b]) {
                        int time = reverse ? lens[b] - 1 - t : t;
                        System.arraycopy(h, b * hid, y, ((time * dirs + d) * batch + b) * hid, hid);
                    }
                }
            }
            System.arraycopy(h, 0, yh, d * batch * hid, batch * hid);
            System.arraycopy(c, 0, yc, d * batch * hid, batch * hid);
        }
        if (!batchMajor) {
            return new Tensor[] {Tensor.of(y, seq, dirs, batch, hid), Tensor.of(yh, dirs, batch, hid),
                    cell == Cell.LSTM ? Tensor.of(yc, dirs, batch, hid) : null};
        }
        // [seq, dirs, batch, H] -> [batch, seq, dirs, H]; [dirs, batch, H] -> [batch, dirs, H]
        float[] yb = new float[y.length];
        for (int t = 0; t < seq; t++) {
            for (int d = 0; d < dirs; d++) {
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(y, ((t * dirs + d) * batch + b) * hid, yb, ((b * seq + t) * dirs + d) * hid, hid);
                }
            }
        }
        return new Tensor[] {Tensor.of(yb, batch, seq, dirs, hid), Tensor.of(swap01(yh, dirs, batch, hid), batch, dirs, hid),
                cell == Cell.LSTM ? Tensor.of(swap01(yc, dirs, batch, hid), batch, dirs, hid) : null};
    }

    private static void lstmStep(Spec s, int d, float[] peep, float[] xw, int xo, float[] hr, int go, float[] h,
            float[] c, int ho, int hid) {
        int po = d * 3 * hid;
        for (int j = 0; j < hid; j++) {
            float cPrev = c[ho + j];
            float pi = peep == null ? 0f : peep[po + j];
            float pOut = peep == null ? 0f : peep[po + hid + j];
            float pf = peep == null ? 0f : peep[po + 2 * hid + j];
            float i = s.act(d, 0, xw[xo + j] + hr[go + j] + pi * cPrev);
            float f = s.act(d, 0, xw[xo + 2 * hid + j] + hr[go + 2 * hid + j] + pf * cPrev);
            float cand = s.act(d, 1, xw[xo + 3 * hid + j] + hr[go + 3 * hid + j]);
            float cNew = f * cPrev + i * cand;
            float o = s.act(d, 0, xw[xo + hid + j] + hr[go + hid + j] + pOut * cNew);
            c[ho + j] = cNew;
            h[ho + j] = o * s.acts()[d][2].apply(cNew);
        }
    }

    private static Tensor arg(Tensor[] in, int i) {
        return i < in.length ? in[i] : null;
    }

    /** An initial state in time-major [dirs, batch, H] order, zeros when absent. */
    private static float[] initial(Tensor t, boolean batchMajor, int dirs, int batch, int hid) {
        if (t == null) {
            return new float[dirs * batch * hid];
        }
        return batchMajor ? swap01(t.floats(), batch, dirs, hid) : t.floats();
    }

    /** [a, b, k] -> [b, a, k]. */
    static float[] swap01(float[] src, int a, int b, int k) {
        float[] out = new float[src.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(src, (i * b + j) * k, out, (j * a + i) * k, k);
            }
        }
        return out;
    }
}
