package io.vitprune.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VitConfig;
import org.junit.jupiter.api.Test;

/** The named DeiT shapes are DeiT's: 197 tokens and the parameter counts timm gives for deit_*_patch16_224. */
class BenchModelsTest {
    @Test
    void theDeitShapesHaveDeitsTokensAndParameters() {
        // timm: sum(p.numel() for p in timm.create_model('deit_small_patch16_224').parameters()) == 22,050,664 (5,717,416 tiny, 86,567,656 base)
        assertThat(parameters("deit-tiny")).isEqualTo(5_717_416);
        assertThat(parameters("deit-small")).isEqualTo(22_050_664);
        assertThat(parameters("deit-base")).isEqualTo(86_567_656);
        assertThat(BenchModels.config("deit-small").tokens()).isEqualTo(197);
    }

    private static long parameters(String shape) {
        VitConfig config = BenchModels.config(shape);
        return ModelStats.of(config, config.initialStructure()).parameters();
    }
}
