package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.testing.TestLatencyTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyTableTest {
    static final VitConfig REFERENCE = VitConfig.reference();

    @TempDir
    Path directory;

    @Test
    void readsWhatItWrites() throws Exception {
        LatencyTable table = TestLatencyTables.of(REFERENCE, 8);
        Path file = directory.resolve("latency.json");
        table.write(file);
        LatencyTable read = LatencyTable.read(file);
        assertThat(read.model()).isEqualTo(table.model());
        assertThat(read.grid().widths()).containsExactly(4, 8, 16, 24, 32);
        assertThat(LatencyModel.of(read, 32).modelMs(REFERENCE.initialStructure()))
                .isEqualTo(LatencyModel.of(table, 32).modelMs(REFERENCE.initialStructure()));
        ModelStructure ragged = new ModelStructure(192, java.util.Collections.nCopies(6, new BlockStructure(List.of(32, 24, 8), 200)));
        assertThat(LatencyModel.of(read, 1).modelMs(ragged)).as("padded blocks read back").isEqualTo(LatencyModel.of(table, 1).modelMs(ragged));
        assertThat(Files.readString(file)).as("no padded blocks where batch 32 runs grouped").containsOnlyOnce("paddedMs");
        assertThat(Files.list(directory)).containsExactly(file);
    }

    @Test
    void refusesAnEarlierVersionOrAPaddedBatchWithoutItsPaddedBlocks() throws Exception {
        Path file = directory.resolve("latency.json");
        TestLatencyTables.of(REFERENCE, 8).write(file);
        String written = Files.readString(file);
        Files.writeString(file, written.replace("\"version\" : 4", "\"version\" : 1"));
        assertThatThrownBy(() -> LatencyTable.read(file)).hasMessageContaining("has version 1: this vitprune reads versions 2 to 4 (calibrate again");
        Files.writeString(file, written.replaceFirst("\"paddedMs\" :", "\"unused\" :"));
        assertThatThrownBy(() -> LatencyTable.read(file)).hasMessageContaining("at batch 1: paddedMs has no rows: expected 6");
        Files.writeString(file, written.replaceFirst("\"paddedNarrowMs\" :", "\"unused\" :"));
        assertThatThrownBy(() -> LatencyTable.read(file)).hasMessageContaining("at batch 1: paddedNarrowMs has no rows: expected 6");
        Files.writeString(file, written.replaceFirst("\"widthMs\" : \\[ [^]]*]", "\"widthMs\" : [ 1.0, 2.0 ]"));
        assertThatThrownBy(() -> LatencyTable.read(file)).hasMessageContaining("at batch 1: widthMs has a row of 2 values: expected 32");
    }

    /** Version 3 had no width profile: a width between grid widths is priced on the line between them. */
    @Test
    void readsVersion3WithoutAWidthProfile() throws Exception {
        Path file = directory.resolve("latency.json");
        TestLatencyTables.of(REFERENCE, 8).write(file);
        Files.writeString(file, Files.readString(file).replace("\"version\" : 4", "\"version\" : 3").replace("\"widthMs\" :", "\"unused\" :"));

        LatencyTable version3 = LatencyTable.read(file);

        assertThat(version3.batch(32).widthMs()).isNull();
        BlockStructure between = BlockStructure.uniform(6, 13, 384);
        assertThat(LatencyModel.of(version3, 32).blockMs(between)).isEqualTo(LatencyModel.of(TestLatencyTables.of(REFERENCE, 8), 32).blockMs(between));
    }

    /** Version 2 had no padded blocks of the least width: a padded block is priced as its heads at the widest width, however narrow the others. */
    @Test
    void readsVersion2PricingAPaddedBlockByItsWidestHead() throws Exception {
        Path file = directory.resolve("latency.json");
        TestLatencyTables.of(REFERENCE, 8).write(file);
        Files.writeString(file, Files.readString(file).replace("\"version\" : 4", "\"version\" : 2").replaceFirst("\"paddedNarrowMs\" :", "\"unused\" :"));

        LatencyModel version2 = LatencyModel.of(LatencyTable.read(file), 1);

        BlockStructure nearlyUniform = new BlockStructure(List.of(32, 32, 32, 32, 24), 384);
        assertThat(version2.blockMs(new BlockStructure(List.of(32, 4, 4, 4, 4), 384))).isEqualTo(version2.blockMs(nearlyUniform));
        assertThat(version2.blockMs(nearlyUniform)).isEqualTo(LatencyModel.of(TestLatencyTables.of(REFERENCE, 8), 1).blockMs(nearlyUniform));
    }

    @Test
    void refusesAnotherShapeNamingTheSize() {
        LatencyTable table = TestLatencyTables.of(REFERENCE, 8);
        assertThatThrownBy(() -> table.requireModel(new VitConfig(64, 4, 192, 6, 6, 32, 384, 10)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("tokens 65: the model has tokens 257");
        assertThatThrownBy(() -> table.requireModel(VitConfig.paper())).hasMessageContaining("dim 192: the model has dim 512");
        assertThatThrownBy(() -> table.requireModel(new VitConfig(32, 4, 192, 12, 6, 32, 384, 10))).hasMessageContaining("depth 6");
        table.requireModel(REFERENCE);
    }

    @Test
    void refusesStructuresWiderThanMeasured() {
        LatencyTable table = TestLatencyTables.of(REFERENCE, 8);
        ModelStructure wider = new ModelStructure(192, java.util.Collections.nCopies(6, BlockStructure.uniform(6, 32, 512)));
        assertThatThrownBy(() -> table.requireFits(wider)).hasMessageContaining("MLP width 512").hasMessageContaining("measured up to");
        assertThatThrownBy(() -> table.requireFits(new ModelStructure(192, List.of(BlockStructure.uniform(6, 32, 384)))))
                .hasMessageContaining("depth 6: the model has depth 1");
        table.requireFits(REFERENCE.initialStructure());
    }

    @Test
    void refusesAnotherRuntimeOrBatchNamingIt() {
        LatencyTable table = TestLatencyTables.of(REFERENCE, 8);
        assertThatThrownBy(() -> table.requireRuntime("onnxruntime")).hasMessageContaining("runtime libtorch: expected onnxruntime");
        assertThatThrownBy(() -> LatencyModel.of(table, 8)).hasMessageContaining("measured at batch 1, 32: expected batch 8");
    }

    @Test
    void refusesFilesItDidNotWrite() throws Exception {
        Path foreign = Files.writeString(directory.resolve("notes.json"), "{\"format\": \"vitprune-plan\", \"version\": 1}");
        assertThatThrownBy(() -> LatencyTable.read(foreign)).hasMessageContaining("has format 'vitprune-plan': expected 'vitprune-latency'");
        assertThatThrownBy(() -> LatencyTable.requireReplaceable(foreign)).hasMessageContaining("is not a latency table vitprune wrote");
        Path text = Files.writeString(directory.resolve("text.json"), "not json");
        assertThatThrownBy(() -> LatencyTable.read(text)).hasMessageContaining("is not valid");
        assertThatThrownBy(() -> LatencyTable.read(directory.resolve("none.json"))).hasMessageContaining("does not exist");
        Path file = directory.resolve("latency.json");
        TestLatencyTables.of(REFERENCE, 8).write(file);
        Files.writeString(file, Files.readString(file).replace("\"mlpMs\" : [ ", "\"mlpMs\" : [ "
                + "-1.0, "));
        assertThatThrownBy(() -> LatencyTable.read(file)).hasMessageContaining("mlpMs");
    }
}
