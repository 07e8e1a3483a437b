/**
 * Compute kernels behind the ops: plain loops over the tensors' backing arrays, vectorised and
 * split across cores where it pays.
 */
package dev.lowbit.tensor.kernels;
