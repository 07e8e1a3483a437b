package dev.lowbit.testutil;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files under lowbit-core's {@code src/test/resources} (fixture models, Fashion-MNIST slices) as
 * paths, from any module's tests: Maven runs each module's tests in that module's folder.
 */
public final class TestResources {
    private static final Path ROOT = find();

    private TestResources() {
    }

    /** {@code relative} under lowbit-core's test resources, e.g. {@code models/resnet_fmnist.onnx}. */
    public static Path of(String relative) {
        return ROOT.resolve(relative);
    }

    /** The test-resources folder itself. */
    public static Path root() {
        return ROOT;
    }

    /** {@code relative} under the repository's root (the reactor folder), e.g. {@code tools/fixtures}. */
    public static Path repo(String relative) {
        return ROOT.resolve("../../../..").normalize().resolve(relative);
    }

    private static Path find() {
        for (Path p : new Path[] {Path.of("src/test/resources/models"), Path.of("../lowbit-core/src/test/resources/models")}) {
            if (Files.isDirectory(p)) {
                return p.getParent().toAbsolutePath();
            }
        }
        throw new IllegalStateException("lowbit-core/src/test/resources not found from " + Path.of("").toAbsolutePath());
    }
}
