package dev.slipway.logs;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces secrets in log text with {@code [redacted]} before it is stored or sent, and cuts lines that are
 * too long. Knows common token shapes; the secrets of a particular project are added by the Secrets feature.
 */
public final class LogRedactor {

    /** The replacement text of anything secret. */
    public static final String REDACTED = "[redacted]";
    /** The longest line kept, in UTF-8 bytes; longer lines are cut and marked. */
    public static final int MAX_LINE_BYTES = 8 * 1024;
    private static final String CUT_MARK = " [cut]";

    private static final Pattern TOKEN_SHAPES = Pattern.compile(String.join("|",
            "(?i)(?<=bearer\\s)[A-Za-z0-9._~+/=-]{8,}",
            "slw_[A-Za-z0-9_-]{8,}",
            "gh[pousr]_[A-Za-z0-9]{20,}",
            "github_pat_[A-Za-z0-9_]{20,}",
            "xox[abposr]-[A-Za-z0-9-]{10,}",
            "AKIA[0-9A-Z]{16}",
            "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
            "(?i)(?<=(password|passwd|secret|token|api[_-]?key)[=:]\\s?)[^\\s\"']{6,}"));

    private LogRedactor() {
    }

    /** The line as it may be stored and shown. */
    public static String clean(String line) {
        if (line == null) {
            return "";
        }
        Matcher m = TOKEN_SHAPES.matcher(line);
        String redacted = m.find() ? m.replaceAll(REDACTED) : line;
        return cut(redacted);
    }

    static String cut(String line) {
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
