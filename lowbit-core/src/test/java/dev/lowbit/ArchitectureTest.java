package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 */
class ArchitectureTest {
    /** Every module's main sources: the reactor's folders beside lowbit-core. */
    private static final Path MODULES = Path.of("..");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([a-z0-9.]+);");
    private static final Pattern COMMENT = Pattern.compile("(?s)/\\*.*?\\*/|//[^\n]*");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.lowbit((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");

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
        String pkg = declared.group(1);
        Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(withoutComments(source).substring(declared.end()));
        while (m.find()) {
            String target = "dev.lowbit" + m.group(1);
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
