package dev.lowbit;

/**
 * One float output's values over a data set: a quick look at whether a model produces sane
 * numbers, whatever the output means.
 *
 * @param output    the output's name
 * @param shape     its shape per batch, {@code "*"} for the batch axis ({@code "varies"} when batches differ)
 * @param values    finite values seen
 * @param mean      their mean
 * @param std       their standard deviation
 * @param min       the smallest
 * @param max       the largest
 * @param nonFinite NaN and infinite values seen
 */
public record OutputStats(String output, String shape, long values, double mean, double std, double min, double max,
                          long nonFinite) {
}
