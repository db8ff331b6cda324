package io.vitprune.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Specs read values with their defaults, and the host's check refuses unknown names and bad values naming them. */
class SettingSpecTest {
    static final SettingSpec ALPHA = SettingSpec.number("alpha", 1.0, "weight of the KL term");
    static final SettingSpec SCOPE = SettingSpec.choice("scope", null, "regression scope (default: follows the selector)", "block", "global");
    static final SettingSpec KEPT = SettingSpec.integer("min-kept", 1, "units kept");
    static final SettingSpec ALIGNED = SettingSpec.flag("head-aligned", false, "align heads");

    @Test
    void valuesAreReadWithTheSpecsDefaults() {
        StrategySettings given = StrategySettings.of("alpha", "0.25", "head-aligned", "TRUE");

        assertThat(ALPHA.number(given)).isEqualTo(0.25);
        assertThat(ALPHA.number(StrategySettings.EMPTY)).isEqualTo(1.0);
        assertThat(KEPT.integer(StrategySettings.EMPTY)).isEqualTo(1);
        assertThat(ALIGNED.flag(given)).isTrue();
        assertThat(SCOPE.string(StrategySettings.EMPTY)).isNull();
        assertThat(SCOPE.describe()).isEqualTo("scope (block|global): regression scope (default: follows the selector)");
        assertThat(ALPHA.describe()).isEqualTo("alpha (number, default 1.0): weight of the KL term");
    }

    @Test
    void theCheckRefusesUnknownNamesAndBadValuesNamingThem() {
        List<SettingSpec> specs = List.of(ALPHA, SCOPE, KEPT, ALIGNED);

        StrategySettings.of("alpha", "2", "scope", "block", "min-kept", "3", "head-aligned", "false").check("kd", specs);
        assertThatThrownBy(() -> StrategySettings.of("alfa", "2").check("kd", specs)).isInstanceOf(InvalidInputException.class)
                .hasMessage("setting 'alfa' of 'kd': unknown, expected one of [alpha, head-aligned, min-kept, scope]");
        assertThatThrownBy(() -> StrategySettings.of("scope", "layer").check("kd", specs)).isInstanceOf(InvalidInputException.class)
                .hasMessage("setting 'scope' = 'layer' of 'kd': expected block or global");
        assertThatThrownBy(() -> StrategySettings.of("alpha", "NaN").check("kd", specs)).hasMessageContaining("expected a finite number");
        assertThatThrownBy(() -> StrategySettings.of("min-kept", "2.5").check("kd", specs)).hasMessageContaining("expected an integer");
        assertThatThrownBy(() -> StrategySettings.of("head-aligned", "yes").check("kd", specs)).hasMessageContaining("expected true or false");
        assertThatThrownBy(() -> StrategySettings.of("x", "1").check("top-k", List.of())).hasMessageContaining("none (it takes no settings)");
    }

    @Test
    void aDeclarationWithABadDefaultOrChoicesIsABug() {
        assertThatThrownBy(() -> SettingSpec.choice("scope", "layer", "d", "block", "global")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SettingSpec("n", SettingSpec.Type.CHOICE, null, "d", List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
