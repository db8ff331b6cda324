package io.vitprune.experiments;

/** Sentences that experiment reports share. */
final class ReportNotes {
    private ReportNotes() {
    }

    /** Which inputs and options made the cells shown, and that the CSV holds cells of others (not shown), as markdown. */
    static String cellOptions(ResultTable table) {
        StringBuilder md = new StringBuilder();
        table.options().ifPresent(options -> md.append("Cells made with `").append(options)
                .append("` (the CSV's options column; models and data by their SHA-256's first 12 hex digits).\n\n"));
        if (!table.otherOptions().isEmpty()) {
            md.append("The CSV also holds cells made with other inputs or options, not shown here: `")
                    .append(String.join("`, `", table.otherOptions())).append("`.\n\n");
        }
        return md.toString();
    }
}
