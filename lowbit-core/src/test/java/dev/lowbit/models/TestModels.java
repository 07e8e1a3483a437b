package dev.lowbit.models;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * Third-party models for tests, downloaded once into ~/.cache/lowbit-test-models (never into the
 * repository); the calling test is skipped with a message when the download fails (offline).
 */
final class TestModels {
    private TestModels() {
    }

    /** The cached copy of {@code url} named {@code fileName}, downloaded first if missing. */
    static Path cached(String url, String fileName) {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "lowbit-test-models");
        Path file = cache.resolve(fileName);
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            Files.createDirectories(cache);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            Path part = cache.resolve(fileName + ".part");
            HttpResponse<Path> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofFile(part));
            if (r.statusCode() != 200) {
                Assumptions.abort("the server answered " + r.statusCode() + " for " + url);
            }
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            Assumptions.abort("offline: cannot download " + url + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Assumptions.abort("interrupted downloading " + url);
        }
        return null;
    }
}
