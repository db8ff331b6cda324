package io.vitprune.core.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirectoryTest {
    @TempDir
    Path temp;

    @Test
    void theSameJobReadsBackWhatAnEarlierRunWrote() throws IOException {
        Path directory = temp.resolve("scoring");
        CheckpointDirectory first = CheckpointDirectory.open(directory, "job A");
        assertThat(first.resumed()).isFalse();
        first.write("ablation-mlp-unit.json", "one".getBytes(UTF_8));
        first.write("ablation-mlp-unit.json", "two".getBytes(UTF_8));

        CheckpointDirectory again = CheckpointDirectory.open(directory, "job A");

        assertThat(again.resumed()).isTrue();
        assertThat(again.read("ablation-mlp-unit.json")).hasValueSatisfying(bytes -> assertThat(new String(bytes, UTF_8)).isEqualTo("two"));
        assertThat(again.read("other")).isEmpty();
    }

    @Test
    void anotherJobDiscardsWhatTheOldOneKept() throws IOException {
        Path directory = temp.resolve("scoring");
        CheckpointDirectory.open(directory, "job A").write("partial", new byte[] {1, 2, 3});

        CheckpointDirectory other = CheckpointDirectory.open(directory, "job B");

        assertThat(other.resumed()).isFalse();
        assertThat(other.read("partial")).isEmpty();
        assertThat(directory).doesNotExist();
    }

    @Test
    void nothingIsCreatedUntilTheFirstWriteAndDeleteRemovesEverything() throws IOException {
        Path directory = temp.resolve("scoring");
        CheckpointDirectory store = CheckpointDirectory.open(directory, "job");
        assertThat(store.read("partial")).isEmpty();
        assertThat(directory).doesNotExist();

        store.write("partial", new byte[] {7});
        assertThat(directory.resolve("partial")).hasBinaryContent(new byte[] {7});
        store.delete();

        assertThat(directory).doesNotExist();
        assertThat(CheckpointDirectory.open(directory, "job").resumed()).isFalse();
    }

    /** A run killed while it made the directory or while it emptied it left its work beside the directory, never a directory without its job. */
    @Test
    void whatAKilledRunLeftBesideTheDirectoryIsClearedAndTheDirectoryIsWholeOrAbsent() throws IOException {
        Path directory = temp.resolve("scoring");
        Path claiming = Files.createDirectories(temp.resolve("scoring." + CheckpointDirectory.CLAIMING));
        Files.writeString(claiming.resolve("job.txt.tmp"), "jo");
        Path deleting = Files.createDirectories(temp.resolve("scoring." + CheckpointDirectory.DELETING));
        Files.write(deleting.resolve("partial"), new byte[] {1});

        CheckpointDirectory store = CheckpointDirectory.open(directory, "job");
        assertThat(claiming).doesNotExist();
        assertThat(deleting).doesNotExist();
        store.write("partial", new byte[] {7});
        assertThat(directory.resolve(CheckpointDirectory.JOB_FILE)).hasContent("job");
        assertThat(temp.resolve("scoring." + CheckpointDirectory.CLAIMING)).doesNotExist();
        store.delete();
        assertThat(directory).doesNotExist();
        assertThat(temp.resolve("scoring." + CheckpointDirectory.DELETING)).doesNotExist();
    }

    @Test
    void aDirectoryThatIsNotACheckpointDirectoryIsNeverEmptied() throws IOException {
        Path directory = Files.createDirectories(temp.resolve("results"));
        Path precious = Files.writeString(directory.resolve("table.csv"), "a,b\n");

        assertThatThrownBy(() -> CheckpointDirectory.open(directory, "job"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(directory.toString())
                .hasMessageContaining("expected a directory of partial scoring results");
        assertThatThrownBy(() -> CheckpointDirectory.open(precious, "job")).isInstanceOf(InvalidInputException.class);
        assertThat(precious).hasContent("a,b\n");
    }

    @Test
    void namesAreTheScorersOwnAndCannotEscapeTheDirectory() throws IOException {
        CheckpointDirectory store = CheckpointDirectory.open(temp.resolve("scoring"), "job");

        for (String name : new String[] {"../outside", "job.txt", "Upper", "", "a/b"}) {
            assertThatThrownBy(() -> store.write(name, new byte[0])).as(name).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
