package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaperTableReportTest {
    @TempDir
    Path temp;

    private static final List<String> FINETUNED = List.of("weight-l1", "kd-importance:alpha=1");

    @Test
    void tablesWithoutAndAfterFineTuningAndTheComparisonWithThePaper() throws IOException {
        ResultTable table = new ResultTable(temp.resolve("t.csv"), PaperTableExperiment.COLUMNS, 5);
        table.put("none", "-", "-", "0.00", 0, "0.8000", 100, 1000, 400);
        table.put("weight-l1", "uniform", "-", "0.30", 0, "0.7000", 80, 800, 320);
        table.put("kd-importance:alpha=1", "uniform", "0", "0.30", 0, "0.7400", 80, 800, 320);
        table.put("kd-importance:alpha=1", "uniform", "1", "0.30", 0, "0.7600", 80, 800, 320);
        table.put("weight-l1", "uniform", "-", "0.30", 1, "0.7800", 80, 800, 320);
        table.put("kd-importance:alpha=1", "uniform", "0", "0.30", 1, "0.7900", 80, 800, 320);
        Path paper = Files.writeString(temp.resolve("paper.md"), """
                ## Table 1: top-1 accuracy (%) after pruning

                | method              | 30%   |
                |---------------------|-------|
                | weight (uniform)    | 73.73 |
                | stability (proposed) | 74.70 |

                ## Table 3: saved model size

                | method              | 30%    |
                |---------------------|--------|
                | weight (uniform)    | 28.312 (-19.97%) |
                """);

        ResultTable reliability = new ResultTable(temp.resolve("r.csv"), PaperTableExperiment.RELIABILITY_COLUMNS, 3);
        reliability.put("kd-importance:alpha=1", "uniform", 0, 500, "0.9000", "0.3000");
        reliability.put("kd-importance:alpha=1", "uniform", 1, 500, "0.7000", "0.2000");
        reliability.put("kl-importance", "global", 0, 500, "0.8000", "0.1000");

        PaperTableReport.write(table, reliability, List.of(0.3), FINETUNED, paper, temp.resolve("report"), "vitprune experiment paper-table", 1000,
                10000);

        String md = Files.readString(temp.resolve("report.md"));
        String before = md.substring(md.indexOf("## Without fine-tuning"), md.indexOf("## After 1 epoch(s)"));
        String after = md.substring(md.indexOf("## After 1 epoch(s)"), md.indexOf("## Beside"));
        assertThat(md).contains("Unpruned model: 80.00%").contains("Produced by `vitprune experiment paper-table`");
        assertThat(before).contains("| weight-l1 | uniform | 1 | 70.00 |").contains("| kd-importance:alpha=1 | uniform | 2 | 75.00 +- 1.41 |");
        assertThat(after).contains("| weight-l1 | uniform | 1 | 78.00 |").contains("| kd-importance:alpha=1 | uniform | 1 | 79.00 |")
                .doesNotContain("| regression-stability |").doesNotContain("Not fine-tuned yet");
        assertThat(md.substring(md.indexOf("## Beside"))).contains("| weight-l1 | uniform | ours: top-1 / unpruned | 0.875 |")
                .contains("| | | paper: top-1 (%) | 73.73 |").contains("| kd-importance:alpha=1 | uniform | ours: top-1 / unpruned | 0.938 |");
        assertThat(md.substring(md.indexOf("## Where we agree"))).contains("| 30% | kd-importance:alpha=1 uniform | stability (proposed) |  |  | +0.97 |");
        assertThat(md.substring(md.indexOf("## Split-half"))).contains("500 each")
                .contains("| kd-importance:alpha=1 | uniform | 2 | 0.80 | 0.25 | low |").contains("| kl-importance | global | 1 | 0.80 | 0.10 |  |");
        assertThat(md.substring(md.indexOf("## Size and cost"))).contains("(100 parameters, 1,000 MACs per image, 400 bytes of weights)")
                .contains("| 30% | -20.00% | -20.00% | -20.00% | -19.97% |");
        assertThat(temp.resolve("report.png")).isNotEmptyFile();
    }

    @Test
    void namesTheCellsNotFineTunedYet() throws IOException {
        ResultTable table = new ResultTable(temp.resolve("t.csv"), PaperTableExperiment.COLUMNS, 5);
        table.put("none", "-", "-", "0.00", 0, "0.8000", 100, 1000, 400);
        table.put("weight-l1", "uniform", "-", "0.30", 0, "0.7000", 80, 800, 320);
        table.put("weight-l1", "global", "-", "0.30", 0, "0.7100", 80, 800, 320);
        table.put("weight-l1", "uniform", "-", "0.30", 1, "0.7800", 80, 800, 320);

        PaperTableReport.write(table, new ResultTable(temp.resolve("r.csv"), PaperTableExperiment.RELIABILITY_COLUMNS, 3), List.of(0.3), FINETUNED,
                temp.resolve("no-paper.md"), temp.resolve("report"), "vitprune experiment paper-table", 1000, 10000);

        assertThat(Files.readString(temp.resolve("report.md"))).contains("Not fine-tuned yet (the run continues where it stopped): weight-l1 global 30%.");
    }
}
