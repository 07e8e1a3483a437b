/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Reports: JSON and self-contained HTML. {@link dev.lowbit.report.Json} writes (and reads back) the
 * {@code --json} output; {@link dev.lowbit.report.QuantReport} collects what a quantization run
 * produced, per layer, and {@link dev.lowbit.report.HtmlReport} renders it as one HTML file with
 * Chart.js inlined, so the page works offline.
 */
package dev.lowbit.report;
