package dev.lowbit.data;

import dev.lowbit.LowbitException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/** Opens a data set from a path, choosing the reader by what the path is. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * A directory of class sub-folders is an image folder; a file starting with an IDX header
     * (gzipped or not) is IDX images, labelled by {@code options.labels()} or by the MNIST-named
     * sibling file; {@code .npy}/{@code .npz} files and folders of ONNX {@code test_data_set_*}
     * are {@link ArrayDataset}s.
     */
    public static Dataset open(Path path, DatasetOptions options) {
        if (!Files.exists(path)) {
            throw new LowbitException(path + ": no such file or directory");
        }
        if (Files.isDirectory(path)) {
            if (isOnnxTestDataFolder(path)) {
                return ArrayDataset.open(path, options);
            }
            return new ImageFolderDataset(path, options);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy") || name.endsWith(".npz")) {
            return ArrayDataset.open(path, options);
        }
        if (IdxReader.looksLikeIdx(path)) {
            Path labels = options.labels() != null ? options.labels() : IdxDataset.guessLabels(path);
            return new IdxDataset(path, labels, options);
        }
        throw new LowbitException(path + ": not a data set (expected an IDX file, an .npy/.npz file or a folder"
                + " of class sub-folders with images)");
    }

    private static boolean isOnnxTestDataFolder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .anyMatch(n -> n.startsWith("test_data_set_") || n.matches("input_\\d+\\.pb"));
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list directory: " + e.getMessage(), e);
        }
    }
}
