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
import java.util.Optional;

/**
 * The results of an experiment as a CSV that is rewritten atomically after every finished cell, so
 * that a rerun skips what is done. A cell is identified by its first {@code keyColumns} columns
 * and, in a table {@linkplain #keyedByOptions keyed by options}, by the options that made it.
 */
public final class ResultTable {
    static final String OPTIONS = "options";

    private final Path file;
    private final List<String> columns;
    private final int keyColumns;
    private final Optional<String> options;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();

    public ResultTable(Path file, List<String> columns, int keyColumns) throws IOException {
        this(file, columns, keyColumns, Optional.empty());
    }

    /**
     * A table whose every row also records, in a last column {@value #OPTIONS}, the options that
     * change its numbers ({@link CellOptions}). This table sees and writes only the cells made with
     * {@code options}: a run with other options computes its own cells rather than finding
     * another's "done", and the file keeps both.
     */
    public static ResultTable keyedByOptions(Path file, List<String> columns, int keyColumns, String options) throws IOException {
        return new ResultTable(file, columns, keyColumns, Optional.of(options));
    }

    private ResultTable(Path file, List<String> columns, int keyColumns, Optional<String> options) throws IOException {
        this.file = file;
        this.columns = List.copyOf(columns);
        this.keyColumns = keyColumns;
        this.options = options;
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file);
            String header = lines.isEmpty() ? "" : lines.get(0);
            if (options.isPresent() && header.equals(String.join(",", columns))) {
                throw new InvalidInputException("result table " + file + " has no '" + OPTIONS + "' column saying which options made its cells "
                        + "(written by an earlier version): if they were made with this run's options, add the column with  sed -i '1s/$/,"
                        + OPTIONS + "/;2,$s/$/," + options.get() + "/' " + file + "  otherwise move the file away");
            }
            if (!header.equals(String.join(",", fileColumns()))) {
                throw new InvalidInputException("result table " + file + " has columns '" + header + "': expected '"
                        + String.join(",", fileColumns()) + "' (move it away to start afresh)");
            }
            for (String line : lines.subList(1, lines.size())) {
                List<String> cells = List.of(line.split(",", -1));
                rows.put(storedKey(cells), cells);
            }
        }
    }

    public boolean has(Object... key) {
        return rows.containsKey(lookupKey(cells(key)));
    }

    /** Adds or replaces the row (matched by its key columns) and rewrites the file. */
    public void put(Object... values) throws IOException {
        List<String> cells = cells(values);
        if (cells.size() != columns.size()) {
            throw new IllegalArgumentException("expected " + columns.size() + " values " + columns + ", got " + cells);
        }
        List<String> row = new ArrayList<>(cells);
        options.ifPresent(row::add);
        rows.put(storedKey(row), row);
        StringBuilder csv = new StringBuilder(String.join(",", fileColumns())).append('\n');
        rows.values().forEach(line -> csv.append(String.join(",", line)).append('\n'));
        AtomicFiles.writeString(file, csv.toString());
    }

    /** The row whose key columns are {@code key}, as column name to cell. */
    public Map<String, String> row(Object... key) {
        List<String> cells = rows.get(lookupKey(cells(key)));
        if (cells == null) {
            return null;
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            row.put(columns.get(i), cells.get(i));
        }
        return row;
    }

    /** The rows of this table's options (all rows of a table without), without the options cell. */
    public List<List<String>> rows() {
        return rows.values().stream().filter(this::ofTheseOptions).map(row -> row.subList(0, columns.size())).toList();
    }

    /** The other option sets whose cells the file holds, in the order they first appear. */
    public List<String> otherOptions() {
        return rows.values().stream().filter(row -> !ofTheseOptions(row)).map(row -> row.get(columns.size())).distinct().toList();
    }

    /** This table's options, if it is keyed by them. */
    public Optional<String> options() {
        return options;
    }

    public Path file() {
        return file;
    }

    public List<String> columns() {
        return columns;
    }

    private boolean ofTheseOptions(List<String> row) {
        return options.map(value -> row.get(columns.size()).equals(value)).orElse(true);
    }

    private List<String> fileColumns() {
        List<String> all = new ArrayList<>(columns);
        options.ifPresent(value -> all.add(OPTIONS));
        return all;
    }

    /** The key of a row of this table's options from its key cells. */
    private String lookupKey(List<String> cells) {
        return String.join(",", cells.subList(0, Math.min(keyColumns, cells.size()))) + options.map(value -> "," + value).orElse("");
    }

    /** The key of a row as the file holds it (with its own options, when keyed by them). */
    private String storedKey(List<String> row) {
        return String.join(",", row.subList(0, Math.min(keyColumns, row.size()))) + (options.isPresent() ? "," + row.get(row.size() - 1) : "");
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
