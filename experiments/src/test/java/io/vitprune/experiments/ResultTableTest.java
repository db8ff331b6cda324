package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A result table keyed by options keeps every option set's cells apart in one file. */
class ResultTableTest {
    private static final List<String> COLUMNS = List.of("method", "ratio", "top1");

    @TempDir
    Path temp;

    @Test
    void aCellOfOtherOptionsIsNotDoneAndBothAreKept() throws IOException {
        Path csv = temp.resolve("t.csv");
        ResultTable first = ResultTable.keyedByOptions(csv, COLUMNS, 2, "lr=1");
        first.put("a", "0.30", "0.7");

        ResultTable second = ResultTable.keyedByOptions(csv, COLUMNS, 2, "lr=2");
        assertThat(second.has("a", "0.30")).isFalse();
        assertThat(second.otherOptions()).containsExactly("lr=1");
        second.put("a", "0.30", "0.6");

        assertThat(Files.readAllLines(csv)).containsExactly("method,ratio,top1,options", "a,0.30,0.7,lr=1", "a,0.30,0.6,lr=2");
        ResultTable again = ResultTable.keyedByOptions(csv, COLUMNS, 2, "lr=1");
        assertThat(again.row("a", "0.30")).containsEntry("top1", "0.7").doesNotContainKey("options");
        assertThat(again.rows()).containsExactly(List.of("a", "0.30", "0.7"));
    }

    @Test
    void aTableWithoutTheOptionsColumnIsRefusedWithTheCommandThatAddsIt() throws Exception {
        Path csv = temp.resolve("t.csv");
        Files.writeString(csv, "method,ratio,top1\na,0.30,0.7\n");

        assertThatThrownBy(() -> ResultTable.keyedByOptions(csv, COLUMNS, 2, "lr=1")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has no 'options' column").hasMessageContaining("sed -i '1s/$/,options/;2,$s/$/,lr=1/' " + csv);
        new ProcessBuilder("sed", "-i", "1s/$/,options/;2,$s/$/,lr=1/", csv.toString()).start().waitFor();
        assertThat(ResultTable.keyedByOptions(csv, COLUMNS, 2, "lr=1").has("a", "0.30")).isTrue();
    }
}
