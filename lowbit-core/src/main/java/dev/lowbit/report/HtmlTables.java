package dev.lowbit.report;

import static dev.lowbit.report.HtmlReport.db;
import static dev.lowbit.report.HtmlReport.esc;
import static dev.lowbit.report.HtmlReport.num;

import java.util.List;
import java.util.Map;

/** The report's plain HTML tables: every number the charts show, readable without JavaScript. */
final class HtmlTables {
    /** SQNR at or above this (dB) is shaded good; below {@link #FAIR_DB} poor. */
    private static final double GOOD_DB = 30;
    private static final double FAIR_DB = 20;
    /** Above this many float nodes the list is summarized by reason and folded away. */
    private static final int MANY_FLOAT_NODES = 12;

    private HtmlTables() {
    }

    static void floatNodesAndNotes(StringBuilder b, QuantReport.Summary s) {
        if (s.floatNodes().isEmpty() && s.notes().isEmpty()) {
            return;
        }
        b.append("<section id=\"float-nodes\"><div class=\"cols\"><div><h2>Nodes kept float</h2>\n");
        if (s.floatNodes().isEmpty()) {
            b.append("<p class=\"hint\">None: every node runs quantized.</p>\n");
        } else {
            boolean many = s.floatNodes().size() > MANY_FLOAT_NODES;
            if (many) { // long lists (transformers: Shape, Gather, Constant...) are summarized by reason first
                Map<String, Integer> byReason = new java.util.TreeMap<>();
                s.floatNodes().values().forEach(why -> byReason.merge(why, 1, Integer::sum));
                b.append("<table><thead><tr><th>reason</th><th class=\"num\">nodes</th></tr></thead><tbody>\n");
                byReason.forEach((why, n) -> b.append("<tr><td>").append(esc(why)).append("</td><td class=\"num\">")
                        .append(n).append("</td></tr>\n"));
                b.append("</tbody></table>\n<details><summary>all ").append(s.floatNodes().size())
                        .append(" nodes</summary>\n");
            }
            b.append("<table><thead><tr><th>node</th><th>reason</th></tr></thead><tbody>\n");
            for (Map.Entry<String, String> e : s.floatNodes().entrySet()) {
                b.append("<tr><td class=\"name\">").append(esc(e.getKey())).append("</td><td>").append(esc(e.getValue()))
                        .append("</td></tr>\n");
            }
            b.append("</tbody></table>\n").append(many ? "</details>\n" : "");
        }
        b.append("</div><div><h2>Steps</h2>\n");
        if (s.notes().isEmpty()) {
            b.append("<p class=\"hint\">No extra algorithm steps ran (round-to-nearest weights, calibrated activations).</p>\n");
        } else {
            b.append("<table><thead><tr><th>step</th><th>note</th></tr></thead><tbody>\n");
            for (Map.Entry<String, String> e : s.notes().entrySet()) {
                b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(e.getValue()))
                        .append("</td></tr>\n");
            }
            b.append("</tbody></table>\n");
        }
        b.append("</div></div></section>\n");
    }

    static void nodes(StringBuilder b, List<QuantReport.NodeRow> nodes) {
        b.append("<section id=\"nodes\"><h2>Quantized nodes</h2>\n")
                .append("<p class=\"hint\">Weight SQNR: float weight vs the dequantized integer codes stored in the model. ")
                .append("Output SQNR: the node's output in the quantized model vs float.</p>\n")
                .append("<div class=\"scroll\"><table><thead><tr><th>node</th><th>op</th><th class=\"num\">output SQNR (dB)</th>")
                .append("<th>weight</th><th>weight scheme</th><th class=\"num\">channels</th>")
                .append("<th class=\"num\">scale min</th><th class=\"num\">scale max</th>")
                .append("<th class=\"num\">weight range</th><th class=\"num\">weight SQNR (dB)</th>")
                .append("<th class=\"num\">worst channel (dB)</th></tr></thead><tbody>\n");
        for (QuantReport.NodeRow n : nodes) {
            b.append("<tr><td class=\"name\" title=\"output ").append(esc(n.output())).append("\">").append(esc(n.node()))
                    .append("</td><td>").append(esc(n.op())).append("</td>");
            sqnrCell(b, n.outputSqnrDb());
            QuantReport.WeightInfo w = n.weight();
            if (w == null) {
                b.append("<td colspan=\"8\" class=\"hint\">no weight</td>");
            } else {
                b.append("<td class=\"name\">").append(esc(w.initializer())).append("</td><td class=\"nowrap\">").append(esc(w.scheme()))
                        .append("</td><td class=\"num\">").append(w.channels()).append("</td><td class=\"num\">")
                        .append(num(w.scaleMin())).append("</td><td class=\"num\">").append(num(w.scaleMax()))
                        .append("</td><td class=\"num\">[").append(num(w.weightMin())).append(", ")
                        .append(num(w.weightMax())).append("]</td>");
                sqnrCell(b, w.sqnrDb());
                sqnrCell(b, w.worstChannelSqnrDb());
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table></div>\n</section>\n");
    }

    static void activations(StringBuilder b, List<QuantReport.ActivationRow> acts) {
        b.append("<section id=\"activations\"><h2>Quantized activations</h2>\n")
                .append("<p class=\"hint\">Chosen range: what the integer grid represents, (qmin − zero point) × scale to ")
                .append("(qmax − zero point) × scale. Observed: the calibration data's min and max. SQNR: the tensor after ")
                .append("QuantizeLinear/DequantizeLinear in the quantized model vs float.</p>\n")
                .append("<div class=\"scroll\"><table><thead><tr><th>tensor</th><th>produced by</th><th>scheme</th><th>method</th>")
                .append("<th class=\"num\">chosen min</th><th class=\"num\">chosen max</th>")
                .append("<th class=\"num\">observed min</th><th class=\"num\">observed max</th>")
                .append("<th class=\"num\">scale</th><th class=\"num\">zero point</th><th class=\"num\">SQNR (dB)</th>")
                .append("</tr></thead><tbody>\n");
        for (QuantReport.ActivationRow a : acts) {
            b.append("<tr><td class=\"name\">").append(esc(a.tensor())).append("</td><td class=\"nowrap\" title=\"").append(esc(a.producer())).append("\">")
                    .append(esc(a.producer().split(" ", 2)[0]))
                    .append("</td><td class=\"nowrap\">").append(esc(a.scheme())).append("</td><td>")
                    .append(a.sharesWith() == null ? esc(a.method()) : "shares " + esc(a.sharesWith()))
                    .append("</td><td class=\"num\">").append(num(a.clipMin())).append("</td><td class=\"num\">")
                    .append(num(a.clipMax())).append("</td><td class=\"num\">").append(num(a.observedMin()))
                    .append("</td><td class=\"num\">").append(num(a.observedMax())).append("</td><td class=\"num\">")
                    .append(num(a.scale())).append("</td><td class=\"num\">").append(a.zeroPoint()).append("</td>");
            sqnrCell(b, a.sqnrDb());
            b.append("</tr>\n");
        }
        b.append("</tbody></table></div>\n</section>\n");
    }

    private static void sqnrCell(StringBuilder b, double v) {
        String cls = Double.isNaN(v) ? "num" : v >= GOOD_DB ? "num good" : v >= FAIR_DB ? "num fair" : "num poor";
        b.append("<td class=\"").append(cls).append("\">").append(db(v)).append("</td>");
    }
}
