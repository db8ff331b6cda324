package io.vitprune.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** timm checkpoints written by scripts/fixtures/timm_vit.py with timm itself: same logits, pruning, refusals. */
class TimmCheckpointTest {
    private static final Path FIXTURES = Path.of("src/test/resources/timm");

    @TempDir
    Path temp;

    @Test
    void anImportedViTGivesTimmsLogits() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("vit"), manager)) {
            NDList expected = expected("vit", manager);

            assertThat(TestModels.maxAbsDifference(model.logits(expected.get(0)), expected.get(1))).isLessThan(1e-4f);
            assertThat(model.config().topology()).isEqualTo(Topology.timm(1e-6));
            assertThat(model.config().heads()).isEqualTo(3);
            assertThat(model.config().preprocessing()).isEqualTo(new Preprocessing(32, 35, "bicubic", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5)));
        }
    }

    @Test
    void aViTWithLayerScaleGivesTimmsLogits() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("vit-layerscale"), manager)) {
            NDList expected = expected("vit-layerscale", manager);

            assertThat(TestModels.maxAbsDifference(model.logits(expected.get(0)), expected.get(1))).isLessThan(1e-4f);
            assertThat(model.config().topology()).isEqualTo(Topology.timm(1e-6).withLayerScale(true));
            assertThat(model.namedParameters()).containsKeys("block01.attn_scale_gamma", "block01.mlp_scale_gamma");
        }
    }

    @Test
    void aViTWithAveragePoolingGivesTimmsLogits() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("vit-avg"), manager)) {
            NDList expected = expected("vit-avg", manager);

            assertThat(TestModels.maxAbsDifference(model.logits(expected.get(0)), expected.get(1))).isLessThan(1e-4f);
            assertThat(model.config().topology().pooling()).isEqualTo(Topology.Pooling.AVERAGE);
        }
    }

    @Test
    void itSavesLoadsAndPrunesAsAnyVitpruneModel() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("vit"), manager)) {
            NDArray images = expected("vit", manager).get(0);
            ModelStore.save(model, temp.resolve("model"));
            try (VisionTransformer loaded = ModelStore.load(temp.resolve("model"), manager)) {
                assertThat(loaded.config()).isEqualTo(model.config());
                assertThat(TestModels.maxAbsDifference(loaded.logits(images), model.logits(images))).isZero();
            }
            StrategyRegistry registry = StrategyRegistry.load();
            PruningPlan plan = Pruning.plan(model, registry.scorer("weight-l1").create(StrategySettings.EMPTY),
                    registry.selector("global").create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.4),
                    io.vitprune.api.ScoringContext.dataFree(manager));
            try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
                assertThat(pruned.namedParameters().get("block00.qkv_bias").getArray().getShape().get(0))
                        .isEqualTo(3L * pruned.structure().block(0).attentionWidth());
                assertThat(pruned.structure().block(0).attentionWidth() + pruned.structure().block(1).attentionWidth()).isLessThan(48);
            }
        }
    }

    @Test
    void aDistilledDeitGivesTimmsLogitsAndCountsTimmsParameters() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("deit-distilled"), manager)) {
            NDList expected = expected("deit-distilled", manager);

            assertThat(TestModels.maxAbsDifference(model.logits(expected.get(0)), expected.get(1))).isLessThan(1e-4f);
            assertThat(model.config().topology()).isEqualTo(Topology.timm(1e-6).withDistillationToken(true));
            assertThat(model.config().tokens()).isEqualTo(18);
            assertThat(ModelStats.of(model).parameters()).isEqualTo(timmParameterCount("deit-distilled", manager));
        }
    }

    @Test
    void registerTokensAreRefusedByTheirFeature() throws IOException {
        Path registers = copy("vit-reg");
        try (NDManager manager = NDManager.newBaseManager(); InputStream in = Files.newInputStream(registers.resolve(TimmCheckpoint.WEIGHTS))) {
            NDList tensors = NDList.decode(manager, in);
            NDArray tokens = manager.zeros(new ai.djl.ndarray.types.Shape(1, 4, 24));
            tokens.setName("reg_token");
            tensors.add(tokens);
            Files.write(registers.resolve(TimmCheckpoint.WEIGHTS), tensors.encode(NDList.Encoding.SAFETENSORS));
        }
        assertThatThrownBy(() -> read(registers)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'reg_token': a ViT with register tokens (timm's vit_*_reg*) is not supported yet");
    }

    @Test
    void aTensorItDoesNotUseIsNamed() throws IOException {
        Path copy = copy("vit");
        try (NDManager manager = NDManager.newBaseManager(); InputStream in = Files.newInputStream(copy.resolve(TimmCheckpoint.WEIGHTS))) {
            NDList tensors = NDList.decode(manager, in);
            NDArray extra = manager.zeros(new ai.djl.ndarray.types.Shape(4));
            extra.setName("blocks.0.attn.extra");
            tensors.add(extra);
            Files.write(copy.resolve(TimmCheckpoint.WEIGHTS), tensors.encode(NDList.Encoding.SAFETENSORS));
        }
        assertThatThrownBy(() -> read(copy)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("hold tensors vitprune does not use: blocks.0.attn.extra");
    }

    @Test
    void aTruncatedFileAMissingTensorAndAConfigThatDisagreesAreRefused() throws IOException {
        Path truncated = copy("vit");
        Path weights = truncated.resolve(TimmCheckpoint.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> read(truncated)).isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot be read as safetensors");

        Path missing = temp.resolve("missing");
        Files.createDirectories(missing);
        Files.copy(FIXTURES.resolve("vit").resolve(TimmCheckpoint.CONFIG), missing.resolve(TimmCheckpoint.CONFIG));
        try (NDManager manager = NDManager.newBaseManager(); InputStream in = Files.newInputStream(FIXTURES.resolve("vit").resolve(TimmCheckpoint.WEIGHTS))) {
            NDList tensors = NDList.decode(manager, in);
            NDList without = new NDList();
            tensors.stream().filter(array -> !array.getName().equals("blocks.1.mlp.fc2.bias")).forEach(without::add);
            Files.write(missing.resolve(TimmCheckpoint.WEIGHTS), without.encode(NDList.Encoding.SAFETENSORS));
        }
        assertThatThrownBy(() -> read(missing)).isInstanceOf(InvalidInputException.class).hasMessageContaining("no tensor 'blocks.1.mlp.fc2.bias'");

        Path disagreeing = copy("vit-64");
        Path config = disagreeing.resolve(TimmCheckpoint.CONFIG);
        Files.writeString(config, Files.readString(config).replace("\"img_size\": 32", "\"img_size\": 64"));
        assertThatThrownBy(() -> read(disagreeing)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("image size 64").hasMessageContaining("does not give pos_embed's 17 tokens");
    }

    @Test
    void averagePoolingAndAMissingConfigAreRefused() throws IOException {
        Path pooled = copy("vit");
        Path config = pooled.resolve(TimmCheckpoint.CONFIG);
        Files.writeString(config, Files.readString(config).replace("\"global_pool\": \"token\"", "\"global_pool\": \"avg\""));
        assertThatThrownBy(() -> read(pooled)).isInstanceOf(InvalidInputException.class).hasMessageContaining("global_pool 'avg'");

        Files.delete(config);
        assertThatThrownBy(() -> read(pooled)).isInstanceOf(InvalidInputException.class).hasMessageContaining("no config.json");
    }

    private static void read(Path source) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            TimmCheckpoint.read(source, manager).close();
        }
    }

    /** A copy of the fixture {@code fixture} (or, for {@code name-suffix}, of {@code name}) in a directory of that name. */
    private Path copy(String name) throws IOException {
        String fixture = name.contains("-") && !Files.isDirectory(FIXTURES.resolve(name)) ? name.substring(0, name.lastIndexOf('-')) : name;
        Path copy = Files.createDirectories(temp.resolve(name));
        try (Stream<Path> files = Files.list(FIXTURES.resolve(fixture))) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    /** The number of values in the fixture's timm state dict. */
    private static long timmParameterCount(String fixture, NDManager manager) throws IOException {
        try (InputStream in = Files.newInputStream(FIXTURES.resolve(fixture).resolve(TimmCheckpoint.WEIGHTS))) {
            return NDList.decode(manager, in).stream().mapToLong(NDArray::size).sum();
        }
    }

    private static NDList expected(String fixture, NDManager manager) throws IOException {
        try (InputStream in = Files.newInputStream(FIXTURES.resolve(fixture).resolve("expected.safetensors"))) {
            NDList list = NDList.decode(manager, in);
            NDArray images = list.stream().filter(a -> a.getName().equals("images")).findFirst().orElseThrow();
            NDArray logits = list.stream().filter(a -> a.getName().equals("logits")).findFirst().orElseThrow();
            return new NDList(images, logits);
        }
    }
}
