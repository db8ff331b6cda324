package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** picocli needs fallbackValue "true" for a negatable option that is true by default: checked here. */
class DynamicVitExperimentOptionsTest {
    @Test
    void theBaselineIsOnByDefaultAndNoBaselineTurnsItOff() {
        assertThat(baseline()).isTrue();
        assertThat(baseline("--baseline")).isTrue();
        assertThat(baseline("--no-baseline")).isFalse();
    }

    private static boolean baseline(String... args) {
        DynamicVitExperiment experiment = new DynamicVitExperiment();
        new CommandLine(experiment).parseArgs(args);
        return experiment.baseline;
    }
}
