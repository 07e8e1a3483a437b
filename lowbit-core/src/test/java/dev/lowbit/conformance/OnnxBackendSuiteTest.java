package dev.lowbit.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.conformance.ConformanceRunner.CaseResult;
import dev.lowbit.conformance.ConformanceRunner.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX project's backend test suite (Debian's libonnx-testdata), one JUnit test per case:
 * a case passes at the suite's tolerances, is skipped when it needs an op lowbit reports
 * unsupported, and fails otherwise.
 */
class OnnxBackendSuiteTest {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data");
    static final List<String> FOLDERS = List.of("node", "pytorch-converted", "pytorch-operator", "simple");
    /** Floors on passing cases per folder: the counts that pass today (ONNX 1.12's suite). */
    static final Map<String, Integer> MIN_PASSED = Map.of("node", 897, "pytorch-converted", 82, "pytorch-operator", 35, "simple", 13);
    /**
     * The cases lowbit reports unsupported today (Sequence/Optional types, random ops, ...), one
     * "folder/case" per line. Any other case reported unsupported fails: an op lowbit claims that
     * starts throwing UnsupportedOpException is a regression, not a skip.
     */
    static final Path EXPECTED_UNSUPPORTED = Path.of("src/test/resources/conformance-unsupported.txt");

    private static java.util.Set<String> expectedUnsupported() {
        try {
            return Files.readAllLines(EXPECTED_UNSUPPORTED).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(java.util.stream.Collectors.toSet());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Each case runs once; both tests read the results. */
    private static final Map<Path, CaseResult> RESULTS = new java.util.concurrent.ConcurrentHashMap<>();

    private static CaseResult result(Path c) {
        return RESULTS.computeIfAbsent(c, k -> ConformanceRunner.standard().runCase(k));
    }

    @TestFactory
    Stream<DynamicTest> everyCase() {
        assertTrue(Files.isDirectory(ROOT.resolve("node")), "install Debian's libonnx-testdata (.ci/run does)");
        return FOLDERS.stream().flatMap(f -> ConformanceRunner.findCases(ROOT.resolve(f)).stream())
                .map(c -> DynamicTest.dynamicTest(c.getParent().getFileName() + "/" + c.getFileName(), () -> {
                    CaseResult r = result(c);
                    String id = c.getParent().getFileName() + "/" + c.getFileName();
                    assertTrue(r.status() != Status.UNSUPPORTED || expectedUnsupported().contains(id),
                            id + " is reported unsupported but passed before: " + r.detail());
                    Assumptions.assumeTrue(r.status() != Status.UNSUPPORTED, r.detail());
                    assertTrue(r.status() == Status.PASS, r.detail());
                }));
    }

    @Test
    void enoughCasesPassInEveryFolder() {
        for (String f : FOLDERS) {
            List<CaseResult> results = ConformanceRunner.findCases(ROOT.resolve(f)).stream().map(OnnxBackendSuiteTest::result).toList();
            long passed = results.stream().filter(r -> r.status() == Status.PASS).count();
            long failed = results.stream().filter(r -> r.status() == Status.FAIL).count();
            assertTrue(failed == 0, f + ": " + failed + " failures");
            assertTrue(passed >= MIN_PASSED.get(f), f + ": only " + passed + " cases pass, expected at least " + MIN_PASSED.get(f));
        }
    }
}
