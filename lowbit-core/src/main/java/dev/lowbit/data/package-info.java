/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Data sets and tensor files: .npy/.npz, TensorProto .pb, IDX, image folders; streaming in batches.
 *
 * <p>Every parse problem is reported as a {@link dev.lowbit.LowbitException} whose one-line
 * message starts with the file it concerns, so the command line can print it as is.
 */
package dev.lowbit.data;
