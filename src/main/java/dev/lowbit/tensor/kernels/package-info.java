/** Compute kernels behind the ops: each a vectorised implementation plus a scalar reference. */
package dev.lowbit.tensor.kernels;
