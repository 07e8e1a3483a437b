/**
 * Internal: not part of lowbit's supported API; may change without notice. It is a client of the
 * API in {@code dev.lowbit}.
 *
 * <p>The {@code lowbit} command line (picocli). {@code quantize}, {@code eval} and {@code compare}
 * are thin layers over {@code dev.lowbit} (flags checked and named, options built, results
 * printed); {@code run}, {@code inspect}, {@code bench}, {@code sensitivity}, {@code train},
 * {@code test} and {@code conformance} use the internal packages directly.
 */
package dev.lowbit.cli;
