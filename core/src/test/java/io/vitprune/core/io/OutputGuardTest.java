package io.vitprune.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputGuardTest {
    @TempDir
    Path temp;

    private Path model;

    @BeforeEach
    void model() throws IOException {
        model = Files.createDirectories(temp.resolve("models/m"));
        Files.writeString(model.resolve(ModelStore.MANIFEST), "{}");
    }

    @Test
    void anOutputApartFromTheInputsPasses() {
        assertThatCode(() -> OutputGuard.check().input("--model", model).input("--plan", null)
                .modelDirectory("--out", temp.resolve("models/m-pruned")).file("--plan-out", temp.resolve("plan.json")).verify())
                .doesNotThrowAnyException();
    }

    @Test
    void theInputItselfIsRefusedHoweverItIsSpelt() throws IOException {
        Path link = Files.createSymbolicLink(temp.resolve("link"), model);
        for (Path out : new Path[] {model, Path.of(model + "/"), model.resolve("."), temp.resolve("models/x/../m"), link}) {
            assertRefused(OutputGuard.check().input("--model", model).modelDirectory("--out", out),
                    "--out " + out + " is the input --model " + model, "(both are " + model.toRealPath() + ")");
        }
    }

    @Test
    void anOutputInsideOrHoldingAnInputIsRefused() {
        assertRefused(OutputGuard.check().input("--model", model).file("--plan-out", model.resolve(ModelStore.MANIFEST)),
                "--plan-out " + model.resolve(ModelStore.MANIFEST) + " lies inside the input --model " + model);
        assertRefused(OutputGuard.check().input("--model", model).modelDirectory("--out", temp.resolve("models")),
                "--out " + temp.resolve("models") + " contains the input --model " + model, "expected an output apart from every input");
    }

    @Test
    void outputsMustNotOverlapEachOther() {
        Path out = temp.resolve("out");
        assertRefused(OutputGuard.check().modelDirectory("--out", out).file("--plan-out", out.resolve("plan.json")),
                "--out " + out + " contains the output --plan-out");
    }

    @Test
    void anExistingPathOfTheOtherKindIsRefused() throws IOException {
        Path file = Files.writeString(temp.resolve("notes.txt"), "mine");
        assertRefused(OutputGuard.check().directory("--out", file), "--out " + file + " exists and is not a directory");
        assertRefused(OutputGuard.check().file("--plan-out", model), "--plan-out " + model + " is a directory: expected a file");
        assertRefused(OutputGuard.check().file("--plan-out", file.resolve("plan.json")), file + " exists and is not a directory");
    }

    @Test
    void aModelDirectoryOutputMustBeReplaceable() throws IOException {
        Files.writeString(model.resolve("MODEL_CARD.md"), "card");
        assertRefused(OutputGuard.check().modelDirectory("--out", model), "holds files a saved model does not have [MODEL_CARD.md]");
    }

    @Test
    void anExperimentPrefixChecksEachFileItNames() throws IOException {
        Files.createDirectories(temp.resolve("table.md"));
        assertRefused(OutputGuard.check().files("--out", temp.resolve("table"), ".csv", ".md"), "--out " + temp.resolve("table.md") + " is a directory");
        assertRefused(OutputGuard.check().input("--model", model).files("--out", model.resolve("table"), ".csv"), "lies inside the input --model");
    }

    @Test
    void aRealPathResolvesTheExistingPartAndKeepsTheRest() throws IOException {
        Path link = Files.createSymbolicLink(temp.resolve("link"), model);
        assertThat(OutputGuard.realPath(link.resolve("new/../file.json"))).isEqualTo(model.toRealPath().resolve("file.json"));
    }

    private static void assertRefused(OutputGuard guard, String... fragments) {
        assertThatThrownBy(guard::verify).isInstanceOf(InvalidInputException.class).message().contains(fragments);
    }
}
