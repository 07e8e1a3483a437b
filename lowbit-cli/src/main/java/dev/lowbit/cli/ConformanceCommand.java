package dev.lowbit.cli;

import dev.lowbit.conformance.ConformanceRunner;
import dev.lowbit.conformance.ConformanceRunner.CaseResult;
import dev.lowbit.conformance.ConformanceRunner.Status;
import dev.lowbit.report.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowbit conformance DIR...}: the ONNX backend test suite against lowbit's engine. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Run ONNX backend test cases (model.onnx + test_data_set_*) and report pass/fail/unsupported.")
public final class ConformanceCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Case folders, or folders of case folders (e.g. /usr/share/libonnx-testdata/data/node).")
    List<Path> dirs;

    @Option(names = "--json", description = "Print a machine-readable summary instead of one line per case.")
    boolean json;

    @Option(names = "--filter", paramLabel = "TEXT", description = "Only cases whose name contains TEXT.")
    String filter;

    @Option(names = "--quiet", description = "Print only failures and the summary.")
    boolean quiet;

    @Option(names = "--rtol", defaultValue = "1e-3", description = "Relative tolerance (default ${DEFAULT-VALUE}).")
    double rtol;

    @Option(names = "--atol", defaultValue = "1e-7", description = "Absolute tolerance (default ${DEFAULT-VALUE}).")
    double atol;

    @Override
    public Integer call() {
        ConformanceRunner runner = new ConformanceRunner(rtol, atol);
        List<CaseResult> results = new java.util.ArrayList<>();
        for (Path d : dirs) {
            for (Path c : ConformanceRunner.findCases(d)) {
                if (filter != null && !c.getFileName().toString().contains(filter)) {
                    continue;
                }
                CaseResult r = runner.runCase(c);
                results.add(r);
                if (!json && (!quiet || r.status() == Status.FAIL)) {
                    System.out.printf("%-11s %s%s%n", r.status().name().toLowerCase(), r.name(),
                            r.detail().isEmpty() ? "" : "  (" + r.detail() + ")");
                }
            }
        }
        long pass = results.stream().filter(r -> r.status() == Status.PASS).count();
        long fail = results.stream().filter(r -> r.status() == Status.FAIL).count();
        long unsupported = results.size() - pass - fail;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cases", results.size());
            m.put("passed", pass);
            m.put("failed", fail);
            m.put("unsupported", unsupported);
            m.put("failures", results.stream().filter(r -> r.status() == Status.FAIL).toList());
            m.put("unsupportedCases", results.stream().filter(r -> r.status() == Status.UNSUPPORTED).map(CaseResult::name).toList());
            System.out.println(Json.write(m));
        } else {
            System.out.printf("%d cases: %d passed, %d failed, %d unsupported%n", results.size(), pass, fail, unsupported);
        }
        return fail == 0 ? 0 : 1;
    }
}
