package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void plainLinesOffATerminal() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(buf, true, StandardCharsets.UTF_8), "calib", 4, "batches", false, 0);
        for (int i = 0; i < 4; i++) {
            p.step();
        }
        p.done();
        p.done();
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("calib 1/4 batches"), lines.get(0));
        assertTrue(lines.get(0).contains("ETA"), lines.get(0));
        assertTrue(lines.get(4).startsWith("calib 4/4 batches") && lines.get(4).contains(" in "), lines.get(4));
        assertTrue(!buf.toString(StandardCharsets.UTF_8).contains("\r"));
    }

    @Test
    void barOnATerminal() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(buf, true, StandardCharsets.UTF_8), "train", 2, "steps", true, 0);
        p.step();
        p.done();
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("\r") && s.contains("[############............] 1/2 steps"), s);
        assertTrue(s.endsWith("\n"));
    }

    @Test
    void durations() {
        assertEquals("1.5s", Progress.duration(1.5));
        assertEquals("2m05s", Progress.duration(125));
        assertEquals("1h01m", Progress.duration(3660));
    }
}
