/** The {@code lowbit} command line (picocli). Each command is a thin layer over the library API. */
package dev.lowbit.cli;
