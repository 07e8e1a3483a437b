package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RNN/GRU/LSTM against a direct per-row, per-step scalar reference of the ONNX equations, covering
 * what the backend suite barely does: reverse and bidirectional, sequence_lens, initial states,
 * layout 1, GRU linear_before_reset both ways, and LSTM peepholes.
 */
class RecurrentOpsTest {
    private static final int SEQ = 5;
    private static final int BATCH = 3;
    private static final int IN = 4;
    private static final int HID = 3;

    private static int gates(String cell) {
        return switch (cell) {
            case "RNN" -> 1;
            case "GRU" -> 3;
            default -> 4;
        };
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Y[seq][dir][batch][hid] (time-major), plus final h and c per [dir][batch][hid]. */
    private static double[][] reference(String cell, String direction, boolean lbr, float[] x, float[] w, float[] r,
            float[] b, int[] lens, float[] h0, float[] c0, float[] p) {
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        int g = gates(cell);
        double[] y = new double[SEQ * dirs * BATCH * HID];
        double[] yh = new double[dirs * BATCH * HID];
        double[] yc = new double[dirs * BATCH * HID];
        for (int d = 0; d < dirs; d++) {
            boolean rev = direction.equals("reverse") || d == 1;
            for (int n = 0; n < BATCH; n++) {
                double[] h = new double[HID];
                double[] c = new double[HID];
                for (int j = 0; j < HID; j++) {
                    h[j] = h0[(d * BATCH + n) * HID + j];
                    c[j] = c0 == null ? 0 : c0[(d * BATCH + n) * HID + j];
                }
                for (int s = 0; s < lens[n]; s++) {
                    int t = rev ? lens[n] - 1 - s : s;
                    // pre[k][j] = x·W_k + h·R_k + Wb_k + Rb_k, per gate k
                    double[][] xw = new double[g][HID];
                    double[][] hr = new double[g][HID];
                    for (int k = 0; k < g; k++) {
                        for (int j = 0; j < HID; j++) {
                            int row = d * g * HID + k * HID + j;
                            double a = b[d * 2 * g * HID + k * HID + j];
                            for (int i = 0; i < IN; i++) {
                                a += x[(t * BATCH + n) * IN + i] * w[row * IN + i];
                            }
                            xw[k][j] = a;
                            double e = b[d * 2 * g * HID + g * HID + k * HID + j];
                            for (int i = 0; i < HID; i++) {
                                e += h[i] * r[row * HID + i];
                            }
                            hr[k][j] = e;
                        }
                    }
                    double[] hn = new double[HID];
                    double[] cn = new double[HID];
                    for (int j = 0; j < HID; j++) {
                        switch (cell) {
                            case "RNN" -> hn[j] = Math.tanh(xw[0][j] + hr[0][j]);
                            case "GRU" -> {
                                double z = sig(xw[0][j] + hr[0][j]);
                                double rr = sig(xw[1][j] + hr[1][j]);
                                double cand;
                                if (lbr) {
                                    cand = Math.tanh(xw[2][j] + rr * hr[2][j]);
                                } else {
                                    double e = b[d * 2 * g * HID + g * HID + 2 * HID + j];
                                    for (int i = 0; i < HID; i++) {
                                        double rh = sig(xw[1][i] + hr[1][i]) * h[i];
                                        e += rh * r[(d * g * HID + 2 * HID + j) * HID + i];
                                    }
                                    cand = Math.tanh(xw[2][j] + e);
                                }
                                hn[j] = (1 - z) * cand + z * h[j];
                            }
                            default -> {
                                double pi = p[d * 3 * HID + j];
                                double po = p[d * 3 * HID + HID + j];
                                double pf = p[d * 3 * HID + 2 * HID + j];
                                double ig = sig(xw[0][j] + hr[0][j] + pi * c[j]);
                                double fg = sig(xw[2][j] + hr[2][j] + pf * c[j]);
                                cn[j] = fg * c[j] + ig * Math.tanh(xw[3][j] + hr[3][j]);
                                double og = sig(xw[1][j] + hr[1][j] + po * cn[j]);
                                hn[j] = og * Math.tanh(cn[j]);
                            }
                        }
                    }
                    h = hn;
                    if (cell.equals("LSTM")) {
                        c = cn;
                    }
                    for (int j = 0; j < HID; j++) {
                        y[((t * dirs + d) * BATCH + n) * HID + j] = h[j];
                    }
                }
                for (int j = 0; j < HID; j++) {
                    yh[(d * BATCH + n) * HID + j] = h[j];
                    yc[(d * BATCH + n) * HID + j] = c[j];
                }
            }
        }
        return new double[][] {y, yh, yc};
    }

    private static void check(String cell, String direction, boolean lbr, boolean layout1) {
        Random rnd = new Random(cell.hashCode() * 31 + direction.hashCode() + (lbr ? 7 : 0) + (layout1 ? 13 : 0));
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        int g = gates(cell);
        float[] x = OpTestSupport.random(rnd, SEQ * BATCH * IN);
        float[] w = OpTestSupport.random(rnd, dirs * g * HID * IN);
        float[] r = OpTestSupport.random(rnd, dirs * g * HID * HID);
        float[] b = OpTestSupport.random(rnd, dirs * 2 * g * HID);
        float[] h0 = OpTestSupport.random(rnd, dirs * BATCH * HID);
        float[] c0 = OpTestSupport.random(rnd, dirs * BATCH * HID);
        float[] p = OpTestSupport.random(rnd, dirs * 3 * HID);
        int[] lens = {SEQ, 2, 4};
        boolean lstm = cell.equals("LSTM");
        double[][] ref = reference(cell, direction, lbr, x, w, r, b, lens, h0, lstm ? c0 : null, p);

        Tensor xt = Tensor.of(x, SEQ, BATCH, IN);
        Tensor h0t = Tensor.of(h0, dirs, BATCH, HID);
        Tensor c0t = Tensor.of(c0, dirs, BATCH, HID);
        if (layout1) {
            xt = Tensor.of(RecurrentCells.swap01(x, SEQ, BATCH, IN), BATCH, SEQ, IN);
            h0t = Tensor.of(RecurrentCells.swap01(h0, dirs, BATCH, HID), BATCH, dirs, HID);
            c0t = Tensor.of(RecurrentCells.swap01(c0, dirs, BATCH, HID), BATCH, dirs, HID);
        }
        Tensor[] in = lstm
                ? new Tensor[] {xt, Tensor.of(w, dirs, g * HID, IN), Tensor.of(r, dirs, g * HID, HID),
                    Tensor.of(b, dirs, 2 * g * HID), Tensor.of(lens, BATCH), h0t, c0t, Tensor.of(p, dirs, 3 * HID)}
                : new Tensor[] {xt, Tensor.of(w, dirs, g * HID, IN), Tensor.of(r, dirs, g * HID, HID),
                    Tensor.of(b, dirs, 2 * g * HID), Tensor.of(lens, BATCH), h0t};
        Tensor[] out = OpTestSupport.run(cell, 14, in, lstm ? 3 : 2,
                Attribute.ofString("direction", direction), Attribute.ofInt("hidden_size", HID),
                Attribute.ofInt("layout", layout1 ? 1 : 0), Attribute.ofInt("linear_before_reset", lbr ? 1 : 0));
        double[] y = OpTestSupport.values(out[0]);
        double[] yh = OpTestSupport.values(out[1]);
        if (layout1) {
            assertArrayEquals(new int[] {BATCH, SEQ, dirs, HID}, out[0].shape());
            double[] tm = new double[y.length];
            for (int n = 0; n < BATCH; n++) {
                for (int t = 0; t < SEQ; t++) {
                    System.arraycopy(y, (n * SEQ + t) * dirs * HID, tm, (t * dirs) * BATCH * HID + n * HID, HID);
                    if (dirs == 2) {
                        System.arraycopy(y, ((n * SEQ + t) * dirs + 1) * HID, tm, ((t * dirs + 1) * BATCH + n) * HID, HID);
                    }
                }
            }
            y = tm;
            yh = OpTestSupport.values(Tensor.of(RecurrentCells.swap01(out[1].floats(), BATCH, dirs, HID), dirs, BATCH, HID));
        } else {
            assertArrayEquals(new int[] {SEQ, dirs, BATCH, HID}, out[0].shape());
        }
        assertArrayEquals(ref[0], y, 1e-5, cell + " " + direction + " Y");
        assertArrayEquals(ref[1], yh, 1e-5, cell + " " + direction + " Y_h");
        if (lstm && !layout1) {
            assertArrayEquals(ref[2], OpTestSupport.values(out[2]), 1e-5, "Y_c");
        }
    }

    @Test
    void allCellsAllDirectionsWithSequenceLengths() {
        for (String cell : new String[] {"RNN", "GRU", "LSTM"}) {
            for (String dir : new String[] {"forward", "reverse", "bidirectional"}) {
                check(cell, dir, false, false);
                check(cell, dir, false, true);
            }
        }
    }

    @Test
    void gruLinearBeforeReset() {
        check("GRU", "forward", true, false);
        check("GRU", "bidirectional", true, true);
    }

    @Test
    void rowsPastTheirLengthAreZero() {
        Tensor[] in = {Tensor.of(new float[SEQ * BATCH * IN], SEQ, BATCH, IN), Tensor.of(new float[HID * IN], 1, HID, IN),
            Tensor.of(new float[HID * HID], 1, HID, HID), null, Tensor.of(new int[] {1, 1, 1}, BATCH),
            Tensor.of(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, BATCH, HID)};
        Tensor y = OpTestSupport.run("RNN", 14, in, 2, Attribute.ofInt("hidden_size", HID))[0];
        assertEquals((float) Math.tanh(0), y.floats()[0]);
        for (int i = BATCH * HID; i < y.size(); i++) {
            assertEquals(0f, y.floats()[i]);
        }
    }
}
