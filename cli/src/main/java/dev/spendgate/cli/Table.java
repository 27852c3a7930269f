package dev.spendgate.cli;

import dev.spendgate.domain.io.DisplayControls;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with columns padded to their widest cell. Control characters in a cell (a line break or ESC in a
 * model name an older gateway recorded) and bidirectional formatting characters (a right-to-left override, U+202E,
 * that an earlier gateway kept in a model name) are printed escaped ({@code \n}, {@code \u001B},
 * {@code \u202E}: {@link DisplayControls}), so one row stays one line, its columns show in their order, and nothing
 * reaches the terminal as a command.
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    Table(String... header) {
        rows.add(header);
        rightAligned = new boolean[header.length];
    }

    Table alignRight(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    void row(String... cells) {
        String[] escaped = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            escaped[i] = escape(cells[i]);
        }
        rows.add(escaped);
    }

    static String escape(String cell) {
        if (cell == null || !DisplayControls.hasControl(cell)) {
            return cell;
        }
        StringBuilder out = new StringBuilder(cell.length() + 8);
        for (int i = 0; i < cell.length(); i++) {
            char c = cell.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (DisplayControls.isControl(c)) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    void print(PrintWriter out) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(widths[i] - row[i].length());
                line.append(rightAligned[i] ? pad + row[i] : row[i] + (i == row.length - 1 ? "" : pad));
            }
            out.println(line);
        }
    }
}
