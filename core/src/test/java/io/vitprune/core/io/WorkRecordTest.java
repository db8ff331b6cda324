package io.vitprune.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkRecordTest {
    @TempDir
    Path temp;

    private static final Map<String, String> RUN = Map.of("--model", "weights SHA-256 aaa", "--beta", "1.0");

    @Test
    void checkingWritesNothingAndWritingLetsTheSameRunResume() throws IOException {
        Path work = temp.resolve("work");
        WorkRecord record = WorkRecord.check(work, RUN);
        assertThat(work).doesNotExist();

        record.write();
        Files.createDirectories(work.resolve("checkpoint"));

        assertThatCode(() -> WorkRecord.check(work, Map.of("--beta", "1.0", "--model", "weights SHA-256 aaa"))).doesNotThrowAnyException();
    }

    @Test
    void aRunOfAnotherModelOrOptionIsRefusedNamingEachDifference() throws IOException {
        Path work = temp.resolve("work");
        WorkRecord.check(work, RUN).write();

        assertThatThrownBy(() -> WorkRecord.check(work, Map.of("--model", "weights SHA-256 bbb", "--beta", "2.0", "--seed", "1")))
                .isInstanceOf(InvalidInputException.class).message()
                .contains("--work " + work + " holds a run made with other inputs or options", "--model was weights SHA-256 aaa, this run has weights SHA-256 bbb",
                        "--beta was 1.0, this run has 2.0", "--seed was (not recorded), this run has 1", "use another work directory");
    }

    @Test
    void filesWithoutARecordAreNotTakenForThisRun() throws IOException {
        Path work = Files.createDirectories(temp.resolve("work/checkpoint")).getParent();
        assertThatThrownBy(() -> WorkRecord.check(work, RUN)).isInstanceOf(InvalidInputException.class).message()
                .contains("holds files but no " + WorkRecord.FILE);
        assertThatCode(() -> WorkRecord.check(Files.createDirectories(temp.resolve("empty")), RUN)).doesNotThrowAnyException();
    }

    @Test
    void aFileIsNotAWorkDirectory() throws IOException {
        Path file = Files.writeString(temp.resolve("work"), "x");
        assertThatThrownBy(() -> WorkRecord.check(file, RUN)).isInstanceOf(InvalidInputException.class).message()
                .contains("exists and is not a directory");
    }
}
