package dev.lowbit.models;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Renders English text images with Debian's DejaVu fonts for the OCR models: text-line crops
 * resized and padded as PaddleOCR feeds its recogniser and direction classifier (48 pixels high),
 * half of the classifier's turned upside down before resizing, and pages of several lines for the detector. Seeded, so the same seed gives
 * the same pixels. {@code main(OUT_DIR)} writes {@code det/}, {@code rec/} (+ {@code rec/lines.txt})
 * and {@code cls/0/}, {@code cls/180/} as PNG files for the command line.
 */
public final class TextImages {
    private static final Path FONT_DIR = Path.of("/usr/share/fonts/truetype/dejavu");
    private static final List<String> FONT_FILES = List.of("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
            "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans-Oblique.ttf");
    private static final String[] WORDS = ("invoice total amount paid due date order number customer account balance "
            + "street avenue road city station platform ticket price discount receipt payment card cash change "
            + "monday friday january march october open closed hours welcome exit entrance floor room office "
            + "coffee tea bread milk water sugar apple orange rice chicken salad soup menu table service tax "
            + "north south east west left right stop slow speed limit parking only bus train airport gate "
            + "model serial version warning caution danger keep away from children store in a cool dry place "
            + "the of and to for with on at by new best fresh daily special free total net weight").split(" ");

    private final List<Font> fonts = new ArrayList<>();

    public TextImages() {
        for (String f : FONT_FILES) {
            try {
                fonts.add(Font.createFont(Font.TRUETYPE_FONT, FONT_DIR.resolve(f).toFile()));
            } catch (FontFormatException | IOException e) {
                throw new IllegalStateException("DejaVu font " + FONT_DIR.resolve(f) + " missing (apt-get install fonts-dejavu-core fonts-dejavu-extra)", e);
            }
        }
    }

    /** Whether the DejaVu fonts these images need are installed. */
    public static boolean fontsInstalled() {
        return FONT_FILES.stream().allMatch(f -> Files.isRegularFile(FONT_DIR.resolve(f)));
    }

    /** One line of 2–5 words, numbers and punctuation, short enough for a 320-pixel line at 48 pixels high. */
    public static String sentence(Random r) {
        StringBuilder s = new StringBuilder();
        int words = 2 + r.nextInt(4);
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                s.append(' ');
            }
            switch (r.nextInt(7)) {
                case 0 -> s.append(r.nextInt(10000));
                case 1 -> s.append(String.format("%d.%02d", r.nextInt(500), r.nextInt(100)));
                default -> {
                    String w = WORDS[r.nextInt(WORDS.length)];
                    s.append(r.nextInt(4) == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
                }
            }
        }
        if (r.nextInt(3) == 0) {
            s.append(":,.!-".charAt(r.nextInt(5)));
        }
        return s.toString();
    }

    /** A tight crop of one line of text, dark on light, as a detector would cut it out of a page. */
    public BufferedImage crop(String text, Random r) {
        Font font = fonts.get(r.nextInt(fonts.size())).deriveFont(28f + r.nextInt(16));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.createGraphics().getFontMetrics(font);
        int margin = 2 + r.nextInt(5);
        BufferedImage img = new BufferedImage(fm.stringWidth(text) + 2 * margin, fm.getAscent() + fm.getDescent() + margin,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img, r);
        g.setFont(font);
        g.drawString(text, margin, margin / 2 + fm.getAscent());
        g.dispose();
        return img;
    }

    /**
     * PP-OCR's recogniser/classifier input: {@code crop} resized to {@code height} keeping its aspect
     * ratio (squeezed to {@code maxWidth} when wider), padded on the right with grey 128 — the zero
     * of the models' (x/255 − 0.5)/0.5 normalisation, as PaddleOCR pads.
     */
    public static BufferedImage fit(BufferedImage crop, int height, int maxWidth) {
        int w = Math.min(maxWidth, (int) Math.ceil(height * (double) crop.getWidth() / crop.getHeight()));
        BufferedImage out = new BufferedImage(maxWidth, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(128, 128, 128));
        g.fillRect(0, 0, maxWidth, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(crop, 0, 0, w, height, null);
        g.dispose();
        return out;
    }

    /** {@code image} turned by 180 degrees (what the direction classifier detects). */
    public static BufferedImage upsideDown(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image, new AffineTransform(-1, 0, 0, -1, image.getWidth(), image.getHeight()), null);
        g.dispose();
        return out;
    }

    /** A page {@code height} × {@code width} with 4–9 lines of text of different sizes at different places. */
    public BufferedImage page(int height, int width, Random r) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img, r);
        int lines = 6 + r.nextInt(7);
        int y = 10 + r.nextInt(20);
        for (int i = 0; i < lines && y < height - 20; i++) {
            Font font = fonts.get(r.nextInt(fonts.size())).deriveFont(14f + r.nextInt(24));
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            String text = sentence(r);
            int x = 8 + r.nextInt(Math.max(1, width / 3));
            while (x + fm.stringWidth(text) > width - 8 && text.contains(" ")) {
                text = text.substring(0, text.lastIndexOf(' '));
            }
            y += fm.getAscent();
            if (y + fm.getDescent() > height - 4) {
                break;
            }
            g.drawString(text, x, y);
            y += fm.getDescent() + 4 + r.nextInt(22);
        }
        g.dispose();
        return img;
    }

    private static Graphics2D graphics(BufferedImage img, Random r) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        int bg = 215 + r.nextInt(41);
        g.setColor(new Color(bg, bg - r.nextInt(15), bg - r.nextInt(25)));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(new Color(r.nextInt(70), r.nextInt(70), r.nextInt(90)));
        return g;
    }

    /** Writes {@code n} detector pages (480 × 640) to {@code dir}. */
    public void writePages(Path dir, int n, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            write(page(480, 640, r), dir.resolve(String.format("page%03d.png", i)));
        }
    }

    /** Writes {@code n} recogniser lines (48 × 320) to {@code dir} and returns their texts in file order. */
    public List<String> writeLines(Path dir, int n, long seed) {
        Random r = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String text = sentence(r);
            BufferedImage crop = crop(text, r);
            // PaddleOCR widens the input for long lines rather than squeezing them: drop words until the line fits 320
            while (crop.getWidth() * 48 > 320 * crop.getHeight() && text.contains(" ")) {
                text = text.substring(0, text.lastIndexOf(' '));
                crop = crop(text, r);
            }
            texts.add(text);
            write(fit(crop, 48, 320), dir.resolve(String.format("line%03d.png", i)));
        }
        return texts;
    }

    /** Writes {@code n} classifier lines (48 × 192), every other one upside down, to {@code dir/0} and {@code dir/180}. */
    public void writeOrientations(Path dir, int n, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            BufferedImage img = crop(sentence(r), r);
            boolean turned = i % 2 == 1;
            write(fit(turned ? upsideDown(img) : img, 48, 192), dir.resolve(turned ? "180" : "0").resolve(String.format("line%03d.png", i)));
        }
    }

    private static void write(BufferedImage img, Path file) {
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code TextImages OUT_DIR [PAGES LINES]}: det/, rec/ (with lines.txt) and cls/ under OUT_DIR. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int pages = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int lines = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        TextImages t = new TextImages();
        t.writePages(out.resolve("det"), pages, seed);
        Files.write(out.resolve("rec/lines.txt"), t.writeLines(out.resolve("rec"), lines, seed + 1));
        t.writeOrientations(out.resolve("cls"), lines, seed + 2);
    }
}
