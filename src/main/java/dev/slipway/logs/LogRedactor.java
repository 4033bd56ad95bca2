package dev.slipway.logs;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces secrets in log text with {@code [redacted]} before it is stored or sent, and cuts lines that are
 * too long. Knows common token shapes; a redactor made {@link #forSecrets for a deployment} also knows the
 * exact secrets in play there (its variables' values and its provider token).
 */
public final class LogRedactor {

    /** Values shorter than this are not redacted by value: too many ordinary words would go with them. */
    public static final int MIN_SECRET_LENGTH = 6;

    /** A redactor that knows only the token shapes. */
    public static final LogRedactor SHAPES_ONLY = new LogRedactor(null);

    private final Pattern secrets;

    private LogRedactor(Pattern secrets) {
        this.secrets = secrets;
    }

    /**
     * A redactor for these exact secrets (those of at least {@link #MIN_SECRET_LENGTH} characters) and the
     * common token shapes. Longer secrets are matched first, so one that contains another goes whole.
     */
    public static LogRedactor forSecrets(Collection<String> values) {
        List<String> kept = values.stream().filter(v -> v != null && v.length() >= MIN_SECRET_LENGTH).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        if (kept.isEmpty()) {
            return SHAPES_ONLY;
        }
        return new LogRedactor(Pattern.compile(kept.stream().map(Pattern::quote).collect(Collectors.joining("|"))));
    }

    /** The text with every known secret and token shape replaced, cut to the longest line kept. */
    public String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        if (secrets != null) {
            Matcher m = secrets.matcher(out);
            out = m.find() ? m.replaceAll(Matcher.quoteReplacement(REDACTED)) : out;
        }
        return clean(out);
    }

    /** The replacement text of anything secret. */
    public static final String REDACTED = "[redacted]";
    /** The longest line kept, in UTF-8 bytes; longer lines are cut and marked. */
    public static final int MAX_LINE_BYTES = 8 * 1024;
    private static final String CUT_MARK = " [cut]";

    static final Pattern TOKEN_SHAPES = Pattern.compile(String.join("|",
            "(?i)(?<=bearer\\s)[A-Za-z0-9._~+/=-]{8,}",
            "slw_[A-Za-z0-9_-]{8,}",
            "gh[pousr]_[A-Za-z0-9]{20,}",
            "github_pat_[A-Za-z0-9_]{20,}",
            "xox[abposr]-[A-Za-z0-9-]{10,}",
            "AKIA[0-9A-Z]{16}",
            "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
            "(?i)(?<=(password|passwd|secret|token|api[_-]?key)[=:]\\s?)[^\\s\"']{6,}"));

    /** The line as it may be stored and shown. */
    public static String clean(String line) {
        if (line == null) {
            return "";
        }
        String redacted = line;
        if (mayHoldTokenShape(line)) {
            Matcher m = TOKEN_SHAPES.matcher(line);
            redacted = m.find() ? m.replaceAll(Matcher.quoteReplacement(REDACTED)) : line;
        }
        return cut(redacted);
    }

    /**
     * Whether the line contains a word every match of {@link #TOKEN_SHAPES} contains. Most build lines contain
     * none, and this scan costs a fraction of the pattern, which tries each of its alternatives, lookbehinds
     * included, at every position.
     */
    static boolean mayHoldTokenShape(String line) {
        for (int i = 0, n = line.length(); i < n; i++) {
            boolean hit = switch (line.charAt(i)) {
                case 'b', 'B' -> line.regionMatches(true, i, "bearer", 0, 6);
                case 's', 'S' -> line.startsWith("slw_", i) || line.regionMatches(true, i, "secret", 0, 6);
                case 'g' -> line.startsWith("gh", i) || line.startsWith("github_pat_", i);
                case 'x' -> line.startsWith("xox", i);
                case 'A' -> line.startsWith("AKIA", i) || line.regionMatches(true, i, "api", 0, 3);
                case 'a' -> line.regionMatches(true, i, "api", 0, 3);
                case 'e' -> line.startsWith("eyJ", i);
                case 'p', 'P' -> line.regionMatches(true, i, "passw", 0, 5);
                case 't', 'T' -> line.regionMatches(true, i, "token", 0, 5);
                default -> false;
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }

    static String cut(String line) {
        // A char is at most 3 bytes of UTF-8 (a surrogate pair, two chars, is 4): short lines need no encoding.
        if (line.length() <= MAX_LINE_BYTES / 3) {
            return line;
        }
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_LINE_BYTES) {
            return line;
        }
        int end = MAX_LINE_BYTES - CUT_MARK.length();
        // Step back to the start of a UTF-8 character so the cut never splits one.
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + CUT_MARK;
    }
}
