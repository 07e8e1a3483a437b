/** JMH benchmarks of the hot kernels (run by hand, not part of the unit tests). */
package dev.lowbit.bench;
