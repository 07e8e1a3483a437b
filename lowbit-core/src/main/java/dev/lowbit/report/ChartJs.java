package dev.lowbit.report;

import dev.lowbit.LowbitException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

/**
 * The Chart.js UMD bundle from the {@code org.webjars.npm:chart.js} WebJar on the class path, ready
 * to inline in a {@code <script>} element (so a report needs no network to draw its charts).
 */
public final class ChartJs {
    private static final String POM_PROPERTIES = "/META-INF/maven/org.webjars.npm/chart.js/pom.properties";
    private static final String DIST = "/META-INF/resources/webjars/chart.js/%s/dist/";
    private static final String[] BUNDLES = {"chart.umd.min.js", "chart.umd.js", "chart.min.js"};

    private static volatile String cached;
    private static volatile String cachedVersion;

    private ChartJs() {
    }

    /** The library's version, e.g. "4.5.1". */
    public static String version() {
        if (cachedVersion == null) {
            try (InputStream in = ChartJs.class.getResourceAsStream(POM_PROPERTIES)) {
                if (in == null) {
                    throw missing();
                }
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v == null || v.isBlank()) {
                    throw new LowbitException("Chart.js WebJar has no version in " + POM_PROPERTIES);
                }
                cachedVersion = v.trim();
            } catch (IOException e) {
                throw new LowbitException("cannot read " + POM_PROPERTIES + " (" + e.getMessage() + ")");
            }
        }
        return cachedVersion;
    }

    /** The library's source, without its source-map comment, safe to place inside a script element. */
    public static String source() {
        if (cached == null) {
            cached = load();
        }
        return cached;
    }

    private static String load() {
        String dir = String.format(DIST, version());
        for (String name : BUNDLES) {
            try (InputStream in = ChartJs.class.getResourceAsStream(dir + name)) {
                if (in == null) {
                    continue;
                }
                String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                // The .map file is not inlined; a dangling reference would only make dev tools complain.
                js = js.replaceAll("(?m)^//# sourceMappingURL=.*$", "");
                if (js.toLowerCase(Locale.ROOT).contains("</script")) {
                    throw new LowbitException("Chart.js " + name + " contains '</script' and cannot be inlined");
                }
                return js;
            } catch (IOException e) {
                throw new LowbitException("cannot read Chart.js " + dir + name + " (" + e.getMessage() + ")");
            }
        }
        throw missing();
    }

    private static LowbitException missing() {
        return new LowbitException("Chart.js is not on the class path (the org.webjars.npm:chart.js runtime dependency is missing)");
    }
}
