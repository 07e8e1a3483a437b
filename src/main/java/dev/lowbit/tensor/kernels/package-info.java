/**
 * Compute kernels over raw Java arrays: the hot loops behind the op families, with Vector API fast
 * paths and a plain scalar reference for each (the tests compare the two).
 */
package dev.lowbit.tensor.kernels;
