/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the goal
 * {@code lowbit:quantize} and its documented parameters ({@code mvn help:describe
 * -Dplugin=dev.lowbit:lowbit-maven-plugin -Ddetail}) instead.
 *
 * <p>lowbit's Maven plugin: {@link dev.lowbit.maven.QuantizeMojo} quantizes a model during a
 * build (lowbit's CLI in a forked JVM, {@link dev.lowbit.maven.LowbitCli}), skips the work when a
 * {@link dev.lowbit.maven.Fingerprint} of every input is unchanged, and fails the build when the
 * {@link dev.lowbit.maven.QualityGate} is missed.
 */
package dev.lowbit.maven;
