package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API package's javadoc builds with every doclint check on and says nothing: each public
 * type and member documented, with its parameters, return value and exceptions, and every link
 * resolved. The same as {@code javadoc -Xdoclint:all} over {@code dev/lowbit/*.java} with
 * lowbit-core's classes on the class path.
 */
class ApiJavadocTest {
    @TempDir
    Path dir;

    @Test
    void theApiJavadocHasNoWarnings() throws Exception {
        List<String> args = new ArrayList<>(List.of("-Xdoclint:all", "-quiet", "-d", dir.toString(), "-cp", classPath()));
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/lowbit"))) {
            files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(f -> args.add(f.toString()));
        }
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        assertNotNull(javadoc, "tests need a JDK (javadoc), not a JRE");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = javadoc.run(null, out, out, args.toArray(String[]::new));
        String said = out.toString(StandardCharsets.UTF_8).strip();
        assertEquals(0, rc, said);
        assertEquals("", said, "javadoc -Xdoclint:all on the API package");
    }

    private static String classPath() throws Exception {
        return Path.of(Lowbit.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + File.pathSeparator
                + System.getProperty("java.class.path");
    }
}
