package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.kernels.VectorizationProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Vector API is an incubator module that JVMs only have with {@code --add-modules
 * jdk.incubator.vector}: lowbit keeps every use of it in one package, loaded only when the module is
 * there, and runs plain-Java kernels otherwise. This test runs in both surefire executions (with and
 * without the module).
 */
class VectorApiIsolationTest {
    private static final String PANAMA_PACKAGE = "dev/lowbit/tensor/kernels/panama/";
    /** An import or a qualified use of a Vector API type (the module's name alone, in strings, is fine). */
    private static final Pattern VECTOR_API_USE = Pattern.compile("\\bjdk\\.incubator\\.vector\\.(\\*|[A-Z])");

    @Test
    void onlyThePanamaPackageUsesTheVectorApi() throws IOException {
        List<Path> roots;
        try (Stream<Path> modules = Files.list(Path.of(".."))) {
            roots = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(roots.size() >= 3, "expected the reactor's modules beside lowbit-core, found " + roots);
        List<String> offenders = new ArrayList<>();
        int panamaFiles = 0;
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    String relative = root.relativize(f).toString().replace('\\', '/');
                    boolean uses = VECTOR_API_USE.matcher(ArchitectureTest.withoutComments(Files.readString(f))).find();
                    if (relative.startsWith(PANAMA_PACKAGE)) {
                        panamaFiles += uses ? 1 : 0;
                    } else if (uses) {
                        offenders.add(root.getParent().getParent().getFileName() + "/" + relative);
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "Vector API used outside " + PANAMA_PACKAGE);
        assertTrue(panamaFiles > 10, "the Panama package has moved? found " + panamaFiles + " files using the API");
    }

    @Test
    void theDefaultProviderIsPanamaExactlyWhenTheModuleIsThere() {
        boolean module = ModuleLayer.boot().findModule(VectorizationProvider.VECTOR_MODULE).isPresent();
        if (Boolean.getBoolean("lowbit.test.vectorModuleAbsent")) {
            // The scalar-kernels execution: its argLine must not add the module back.
            assertTrue(!module, "this execution should run without " + VectorizationProvider.VECTOR_MODULE);
        }
        boolean forcedScalar = "scalar".equals(System.getProperty("lowbit.vectorization"));
        if (module && !forcedScalar) {
            assertTrue(VectorizationProvider.get().name().startsWith("panama-"), VectorizationProvider.get().name());
        } else {
            assertSame(VectorizationProvider.scalar(), VectorizationProvider.get());
        }
    }
}
