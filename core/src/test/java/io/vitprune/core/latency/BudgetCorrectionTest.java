package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans are their predicted fraction here: a planner that lands a little under what it is asked, measured as a table under-predicting. */
class BudgetCorrectionTest {
    private final List<Double> asked = new ArrayList<>();
    private final List<Double> discarded = new ArrayList<>();

    /** Plans 2% under the budget asked; nothing below {@code reach} is reachable. */
    private BudgetCorrection.Planner<Double> planner(double reach) {
        return budget -> {
            asked.add(budget);
            if (budget < reach) {
                throw new InvalidInputException("no plan within " + budget);
            }
            return 0.98 * budget;
        };
    }

    private BudgetCorrection.Outcome<Double> meet(double budget, int corrections, double reach, double measuredOverPredicted) {
        return BudgetCorrection.meet(budget, corrections, planner(reach), plan -> plan, plan -> measuredOverPredicted * plan, discarded::add);
    }

    @Test
    void aPlanMeasuredWithinItsBudgetIsKeptAsPlanned() {
        BudgetCorrection.Outcome<Double> outcome = meet(0.6, 3, 0.1, 1.01);

        assertThat(outcome.met()).isTrue();
        assertThat(outcome.plan()).isEqualTo(0.98 * 0.6, within(1e-12));
        assertThat(outcome.attempts()).hasSize(1);
        assertThat(asked).containsExactly(0.6);
        assertThat(discarded).isEmpty();
    }

    @Test
    void aPlanMeasuredOverItsBudgetIsPlannedAgainAtTheBudgetOverItsMeasuredError() {
        BudgetCorrection.Outcome<Double> outcome = meet(0.6, 3, 0.1, 1.1);

        // Predicted 0.588, measured 0.6468: the table under-predicts by 10%, so the next plan asks for 0.588 x 0.6 / 0.6468 = 0.6 / 1.1.
        assertThat(asked).hasSize(2);
        assertThat(asked.get(1)).isEqualTo(0.6 / 1.1, within(1e-12));
        assertThat(outcome.met()).isTrue();
        assertThat(outcome.last().measured()).isEqualTo(0.98 * 0.6, within(1e-12));
        assertThat(discarded).as("the replaced plan is released").containsExactly(0.98 * 0.6);
        assertThat(outcome.describe()).contains("planned at 0.600 -> predicted 0.588, measured 0.647", "planned at 0.545");
    }

    @Test
    void stopsAfterItsCorrectionsWithTheLastPlanOverItsBudget() {
        // Measured over however it is planned: a table whose error grows as fast as the correction.
        BudgetCorrection.Outcome<Double> outcome = BudgetCorrection.meet(0.6, 2, planner(0.1), plan -> plan, plan -> 0.7, discarded::add);

        assertThat(outcome.attempts()).hasSize(3);
        assertThat(outcome.met()).isFalse();
        assertThat(outcome.unreachable()).isNull();
        assertThat(asked).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(discarded).hasSize(2);
    }

    @Test
    void noCorrectionsMeasuresTheFirstPlanOnly() {
        BudgetCorrection.Outcome<Double> outcome = meet(0.6, 0, 0.1, 1.5);

        assertThat(outcome.attempts()).hasSize(1);
        assertThat(outcome.met()).isFalse();
        assertThat(asked).containsExactly(0.6);
    }

    @Test
    void aTightenedBudgetOutOfReachKeepsTheLastPlanAndSaysWhy() {
        BudgetCorrection.Outcome<Double> outcome = meet(0.6, 3, 0.58, 1.1);

        assertThat(outcome.met()).isFalse();
        assertThat(outcome.plan()).isEqualTo(0.98 * 0.6, within(1e-12));
        assertThat(outcome.unreachable()).startsWith("planning at 0.545: no plan within");
        assertThat(outcome.describe()).contains("no tighter plan: planning at 0.545");
        assertThat(discarded).isEmpty();
    }

    @Test
    void aBudgetOutOfReachFailsAsThePlannerSays() {
        assertThatThrownBy(() -> meet(0.05, 3, 0.1, 1.0)).isInstanceOf(InvalidInputException.class).hasMessage("no plan within 0.05");
        assertThatThrownBy(() -> meet(0.6, -1, 0.1, 1.0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("corrections >= 0");
    }
}
