package io.vitprune.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.BlockPlan;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCodecTest {
    /** A plan for an already ragged model: block 0 has heads of widths 3 and 2. */
    private static final PruningPlan PLAN = new PruningPlan(
            new ModelStructure(16, List.of(new BlockStructure(List.of(3, 2), 5), BlockStructure.uniform(2, 4, 6))),
            List.of(new BlockPlan(new int[] {0, 2, 4}, new int[] {1, 3}), new BlockPlan(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[] {5})));

    @TempDir
    Path temp;

    @Test
    void roundTripsExactly() throws IOException {
        assertThat(PlanCodec.fromJson(PlanCodec.toJson(PLAN))).isEqualTo(PLAN);

        Path file = temp.resolve("plans/plan.json");
        PlanCodec.write(file, PLAN);
        assertThat(PlanCodec.read(file)).isEqualTo(PLAN);
        assertThat(PlanCodec.toJson(PlanCodec.read(file))).isEqualTo(PlanCodec.toJson(PLAN));
    }

    @Test
    void writesTheDocumentedForm() {
        String json = PlanCodec.toJson(PLAN).replaceAll("\\s", "");

        assertThat(json).isEqualTo("{\"format\":\"vitprune-plan\",\"version\":1,"
                + "\"source\":{\"dim\":16,\"blocks\":[{\"headWidths\":[3,2],\"mlpWidth\":5},{\"headWidths\":[4,4],\"mlpWidth\":6}]},"
                + "\"blocks\":[{\"keptAttentionChannels\":[0,2,4],\"keptMlpUnits\":[1,3]},"
                + "{\"keptAttentionChannels\":[0,1,2,3,4,5,6,7],\"keptMlpUnits\":[5]}]}");
    }

    @Test
    void badInputNamesWhatWasExpected() {
        String good = PlanCodec.toJson(PLAN);

        assertThatThrownBy(() -> PlanCodec.fromJson("{\"format\": \"vitprune-plan\","))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("pruning plan is not valid JSON");
        assertThatThrownBy(() -> PlanCodec.fromJson("[]"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> PlanCodec.fromJson(good.replace("vitprune-plan", "vitprune-model")))
                .isInstanceOf(InvalidInputException.class).hasMessage("pruning plan has format 'vitprune-model': expected 'vitprune-plan'");
        assertThatThrownBy(() -> PlanCodec.fromJson(good.replace("\"version\" : 1", "\"version\" : 2")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("version 2").hasMessageContaining("upgrade vitprune");
        assertThatThrownBy(() -> PlanCodec.fromJson(good.replace("\"keptMlpUnits\" : [ 5 ]", "\"mlpUnits\" : [ 5 ]")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("pruning plan has no field 'blocks[1].keptMlpUnits': expected an array of integers");
        assertThatThrownBy(() -> PlanCodec.fromJson(good.replace("\"mlpWidth\" : 5", "\"mlpWidth\" : 5.5")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("pruning plan field 'source.blocks[0].mlpWidth' is 5.5: expected an integer");
        assertThatThrownBy(() -> PlanCodec.fromJson(good.replace("\"keptMlpUnits\" : [ 5 ]", "\"keptMlpUnits\" : [ 9 ]")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected indices below the block's width 6");
    }

    @Test
    void readingNamesTheFile() throws IOException {
        Path missing = temp.resolve("missing.json");
        assertThatThrownBy(() -> PlanCodec.read(missing))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(missing + " does not exist");

        Path broken = Files.writeString(temp.resolve("broken.json"), "{}");
        assertThatThrownBy(() -> PlanCodec.read(broken))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith(broken + ": pruning plan has no field 'format'");
    }
}
