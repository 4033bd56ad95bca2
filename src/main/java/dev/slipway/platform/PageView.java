package dev.slipway.platform;

import java.util.List;

/**
 * One page of a list answer.
 *
 * @param items the entries of this page
 * @param page  the page number, from 0
 * @param size  the page size asked for
 * @param total how many entries match, across all pages
 */
public record PageView<T>(List<T> items, int page, int size, long total) {

    /** A checked {@code page} and {@code size} pair from query parameters. */
    public record Request(int page, int size) {

        /** Parses the query parameters (defaults 0 and 20); a 400 problem when either is not allowed. */
        public static Request of(String page, String size) {
            Integer p = parse(page, 0);
            Integer s = parse(size, 20);
            new Validator()
                    .check(p != null && p >= 0, "page", "must be a whole number, 0 or more")
                    .check(s != null && s >= 1 && s <= 100, "size", "must be a whole number from 1 to 100")
                    .throwIfInvalid();
            return new Request(p, s);
        }

        private static Integer parse(String value, int fallback) {
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            try {
                return Integer.valueOf(value);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
