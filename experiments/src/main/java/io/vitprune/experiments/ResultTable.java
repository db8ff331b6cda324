package io.vitprune.experiments;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of an experiment as a CSV that is rewritten atomically after every finished cell, so
 * that a rerun skips what is done. A cell is identified by its first {@code keyColumns} columns.
 */
public final class ResultTable {
    private final Path file;
    private final List<String> columns;
    private final int keyColumns;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();

    public ResultTable(Path file, List<String> columns, int keyColumns) throws IOException {
        this.file = file;
        this.columns = List.copyOf(columns);
        this.keyColumns = keyColumns;
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file);
            if (lines.isEmpty() || !lines.get(0).equals(String.join(",", columns))) {
                throw new InvalidInputException("result table " + file + " has columns '" + (lines.isEmpty() ? "" : lines.get(0))
                        + "': expected '" + String.join(",", columns) + "' (move it away to start afresh)");
            }
            for (String line : lines.subList(1, lines.size())) {
                List<String> cells = List.of(line.split(",", -1));
                rows.put(key(cells), cells);
            }
        }
    }

    public boolean has(Object... key) {
        return rows.containsKey(key(cells(key)));
    }

    /** Adds or replaces the row (matched by its key columns) and rewrites the file. */
    public void put(Object... values) throws IOException {
        List<String> cells = cells(values);
        if (cells.size() != columns.size()) {
            throw new IllegalArgumentException("expected " + columns.size() + " values " + columns + ", got " + cells);
        }
        rows.put(key(cells), cells);
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
        rows.values().forEach(row -> csv.append(String.join(",", row)).append('\n'));
        AtomicFiles.writeString(file, csv.toString());
    }

    /** The row whose key columns are {@code key}, as column name to cell. */
    public Map<String, String> row(Object... key) {
        List<String> cells = rows.get(key(cells(key)));
        if (cells == null) {
            return null;
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            row.put(columns.get(i), cells.get(i));
        }
        return row;
    }

    public List<List<String>> rows() {
        return List.copyOf(rows.values());
    }

    public List<String> columns() {
        return columns;
    }

    private String key(List<String> cells) {
        return String.join(",", cells.subList(0, Math.min(keyColumns, cells.size())));
    }

    private static List<String> cells(Object... values) {
        List<String> cells = new ArrayList<>();
        for (Object value : values) {
            String text = String.valueOf(value);
            if (text.contains(",") || text.contains("\n")) {
                throw new IllegalArgumentException("cell '" + text + "' contains a comma or a newline");
            }
            cells.add(text);
        }
        return cells;
    }
}
