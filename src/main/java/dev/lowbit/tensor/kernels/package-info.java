/**
 * Hot numeric kernels over raw Java arrays (float GEMM, im2col, direct convolutions, ...), each with
 * a Vector API implementation and a simple scalar reference.
 */
package dev.lowbit.tensor.kernels;
