/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Calibration: streaming, mergeable observers that summarise the values a tensor takes over a
 * calibration set (min/max, moving-average min/max, a 2048-bin histogram) and range choosers that
 * turn a summary into a clipping range (max, percentile, entropy/KL, MSE), plus per-channel weight
 * range search. Memory never depends on the size of the data set; non-finite values are excluded
 * and counted.
 *
 * <p>Histograms use power-of-two bin widths anchored at 0, so the histogram of a data set is the
 * same whatever the batch size and order, and {@code merge(a, b)} equals observing both.
 */
package dev.lowbit.calib;
