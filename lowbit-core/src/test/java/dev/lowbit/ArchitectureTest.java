package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies between lowbit's packages point one way: the package graph read from the main
 * sources (imports and qualified names alike) has no cycle.
 *
 * <p>The root package holds two kinds of types: the façade ({@code Lowbit} and its options and
 * results), which uses every internal package, and the exceptions every package throws. The
 * exceptions depend on nothing of lowbit's, so they are a node of their own ({@link #EXCEPTIONS});
 * without that split every internal package would "cycle" through the façade.
 */
class ArchitectureTest {
    /** Every module's main sources: the reactor's folders beside lowbit-core. */
    private static final Path MODULES = Path.of("..");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([a-z0-9.]+);");
    private static final Pattern COMMENT = Pattern.compile("(?s)/\\*.*?\\*/|//[^\n]*");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.lowbit((?:\\.[a-z][a-z0-9]*)*)\\.([A-Z]\\w*)");
    /** The node standing for the root package's exception classes. */
    static final String EXCEPTIONS = "dev.lowbit (exceptions)";
    private static final Set<String> EXCEPTION_CLASSES = Set.of("LowbitException", "UnsupportedOpException");

    /** Package -> the lowbit packages its sources refer to (itself excluded). */
    static Map<String, Set<String>> packageGraph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        List<Path> roots;
        try (Stream<Path> modules = Files.list(MODULES)) {
            roots = modules.map(m -> m.resolve("src/main/java/dev/lowbit")).filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(roots.size() >= 3, "expected the reactor's modules beside lowbit-core, found " + roots);
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> addReferences(f, graph));
            }
        }
        return graph;
    }

    private static void addReferences(Path file, Map<String, Set<String>> graph) {
        String source = read(file);
        Matcher declared = PACKAGE.matcher(source);
        assertTrue(declared.find(), file + " has no package line");
        String name = file.getFileName().toString().replace(".java", "");
        String pkg = declared.group(1).equals("dev.lowbit") && EXCEPTION_CLASSES.contains(name) ? EXCEPTIONS : declared.group(1);
        Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(withoutComments(source).substring(declared.end()));
        while (m.find()) {
            String target = m.group(1).isEmpty() && EXCEPTION_CLASSES.contains(m.group(2)) ? EXCEPTIONS : "dev.lowbit" + m.group(1);
            if (!target.equals(pkg) && !target.endsWith(".proto")) { // generated protobuf classes
                deps.add(target);
            }
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Javadoc links are not dependencies; blanks keep the offsets. */
    static String withoutComments(String s) {
        Matcher m = COMMENT.matcher(s);
        StringBuilder out = new StringBuilder(s);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                if (out.charAt(i) != '\n') {
                    out.setCharAt(i, ' ');
                }
            }
        }
        return out.toString();
    }

    @Test
    void packageGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.size() > 15, "packages found: " + graph.keySet());
        List<List<String>> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            List<String> path = pathBack(graph, start);
            if (path != null) {
                cycles.add(path);
            }
        }
        assertEquals(List.of(), cycles, "package cycles (each from a package back to itself)");
    }

    /** What every package but the API's says first in its package-info. */
    static final String INTERNAL = "Internal: not part of lowbit's supported API; may change without notice.";

    @Test
    void everyPackageButTheApiSaysItIsInternal() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> modules = Files.list(MODULES)) {
            for (Path root : modules.map(m -> m.resolve("src/main/java/dev/lowbit")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> dirs = Files.walk(root)) {
                    for (Path d : dirs.filter(Files::isDirectory).filter(ArchitectureTest::hasJava).toList()) {
                        Path info = d.resolve("package-info.java");
                        boolean api = d.equals(root);
                        if (!Files.exists(info) || (!api && !read(info).contains(INTERNAL))) {
                            missing.add(root.relativize(d).toString().isEmpty() ? "dev.lowbit" : root.relativize(d).toString());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info (or, outside the API, without \"" + INTERNAL + "\")");
    }

    private static boolean hasJava(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The API's public and protected signatures (types, methods, constructors, fields, record
     * components, type arguments) name only the API's own types and the JDK's: no protobuf, no
     * internal package.
     */
    @Test
    void theApiShowsOnlyItsOwnTypesAndTheJdks() throws Exception {
        List<String> leaks = new ArrayList<>();
        Path classes = Path.of(Lowbit.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("dev/lowbit");
        try (Stream<Path> files = Files.list(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                Class<?> c = Class.forName("dev.lowbit." + f.getFileName().toString().replace(".class", ""));
                if (isVisible(c.getModifiers()) && (c.getEnclosingClass() == null || isVisible(c.getEnclosingClass().getModifiers()))) {
                    signatures(c).forEach(t -> checkType(c.getName(), t, leaks));
                }
            }
        }
        assertEquals(List.of(), leaks, "types outside the API in its public signatures");
    }

    private static boolean isVisible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static List<Type> signatures(Class<?> c) {
        List<Type> out = new ArrayList<>();
        out.add(c.getGenericSuperclass());
        out.addAll(List.of(c.getGenericInterfaces()));
        for (Method m : c.getDeclaredMethods()) {
            if (isVisible(m.getModifiers()) && !m.isSynthetic()) {
                out.add(m.getGenericReturnType());
                out.addAll(List.of(m.getGenericParameterTypes()));
                out.addAll(List.of(m.getGenericExceptionTypes()));
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (isVisible(k.getModifiers())) {
                out.addAll(List.of(k.getGenericParameterTypes()));
            }
        }
        for (Field f : c.getDeclaredFields()) {
            if (isVisible(f.getModifiers())) {
                out.add(f.getGenericType());
            }
        }
        return out;
    }

    private static void checkType(String where, Type t, List<String> leaks) {
        if (t == null) {
            return;
        }
        if (t instanceof ParameterizedType p) {
            checkType(where, p.getRawType(), leaks);
            for (Type a : p.getActualTypeArguments()) {
                checkType(where, a, leaks);
            }
        } else if (t instanceof GenericArrayType a) {
            checkType(where, a.getGenericComponentType(), leaks);
        } else if (t instanceof WildcardType w) {
            List.of(w.getUpperBounds()).forEach(b -> checkType(where, b, leaks));
            List.of(w.getLowerBounds()).forEach(b -> checkType(where, b, leaks));
        } else if (t instanceof Class<?> k) {
            Class<?> e = k;
            while (e.isArray()) {
                e = e.getComponentType();
            }
            String pkg = e.getPackageName();
            if (!e.isPrimitive() && !pkg.equals("dev.lowbit") && !pkg.startsWith("java.")) {
                leaks.add(where + ": " + e.getName());
            }
        }
    }

    /**
     * The exceptions every package throws stay a leaf. (The cycle check keeps the internal packages
     * off the façade, which depends on nearly all of them; clients such as the CLI may use it.)
     */
    @Test
    void theExceptionsDependOnNothing() throws IOException {
        assertEquals(Set.of(), packageGraph().getOrDefault(EXCEPTIONS, Set.of()), "the exceptions must stay a leaf");
    }

    /** A shortest dependency path from {@code start} back to itself, or null. */
    private static List<String> pathBack(Map<String, Set<String>> graph, String start) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(graph.getOrDefault(start, Set.of()));
        graph.getOrDefault(start, Set.of()).forEach(d -> parent.put(d, start));
        while (!queue.isEmpty()) {
            String p = queue.poll();
            if (p.equals(start)) {
                List<String> path = new ArrayList<>();
                String at = parent.get(start);
                path.add(start);
                while (!at.equals(start)) {
                    path.add(0, at);
                    at = parent.get(at);
                }
                path.add(0, start);
                return path;
            }
            for (String d : graph.getOrDefault(p, Set.of())) {
                if (!parent.containsKey(d)) {
                    parent.put(d, p);
                    queue.add(d);
                }
            }
        }
        return null;
    }
}
