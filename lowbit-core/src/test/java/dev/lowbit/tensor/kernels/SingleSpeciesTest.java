package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lowbit uses one vector shape per element type in the whole product. The JDK's vector classes
 * share their call sites (FloatVector.fma calls lanewise on whatever concrete class it gets), so
 * a second float shape anywhere — half-width vectors in one convolution tile were enough — makes
 * those sites polymorphic, and C2 then compiled some kernels with boxed vectors in some JVM
 * launches: MobileNetV2 ran at 11 ms instead of 7 ms, allocating 130 MB per run, in one launch in
 * three. This check is deterministic where the allocation check (SteadyStateAllocationTest)
 * depends on the order in which the JIT compiles.
 */
class SingleSpeciesTest {
    private static final Path MAIN_CLASSES = Path.of("target/classes");
    private static final Path MAIN_SOURCES = Path.of("src/main/java");

    /** The scalar-kernels execution excludes this class; a -Dtest that names it lands here without the module. */
    @BeforeAll
    static void needsTheVectorModule() {
        assumeTrue(ModuleLayer.boot().findModule(VectorizationProvider.VECTOR_MODULE).isPresent());
    }

    @Test
    void everyStaticSpeciesAndMaskHasOneShapePerElementType() throws Exception {
        Map<Class<?>, Integer> bitsByElement = new HashMap<>();
        List<String> seen = new ArrayList<>();
        for (Class<?> c : mainClasses()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                VectorSpecies<?> species = null;
                if (VectorSpecies.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    species = (VectorSpecies<?>) f.get(null);
                } else if (VectorMask.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    species = ((VectorMask<?>) f.get(null)).vectorSpecies();
                }
                if (species == null) {
                    continue;
                }
                String where = c.getSimpleName() + "." + f.getName() + " = " + species;
                seen.add(where);
                Integer bits = bitsByElement.putIfAbsent(species.elementType(), species.vectorBitSize());
                assertTrue(bits == null || bits == species.vectorBitSize(),
                        where + ": a second " + species.elementType() + " vector shape (others: " + seen + ")");
            }
        }
        assertTrue(seen.size() > 10, "found only " + seen);
    }

    /** Shapes chosen in code rather than in a field: only the provider picks one. */
    @Test
    void onlyTheProviderNamesAVectorShape() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                if (p.getFileName().toString().equals("PanamaSpecies.java")) {
                    continue;
                }
                String text = Files.readString(p);
                for (String banned : List.of("SPECIES_64", "SPECIES_128", "SPECIES_256", "SPECIES_512", "SPECIES_MAX",
                        "VectorShape", "VectorSpecies.of(", ".withShape(", "withLanes(")) {
                    if (text.contains(banned)) {
                        offenders.add(MAIN_SOURCES.relativize(p) + ": " + banned);
                    }
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    private static List<Class<?>> mainClasses() throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN_CLASSES.resolve("dev/lowbit"))) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = MAIN_CLASSES.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains("$") && Character.isDigit(name.charAt(name.lastIndexOf('$') + 1))) {
                    continue; // anonymous classes
                }
                out.add(Class.forName(name, true, SingleSpeciesTest.class.getClassLoader()));
            }
        }
        return out;
    }
}
