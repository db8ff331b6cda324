package io.vitprune.core.latency;

import io.vitprune.api.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Meets a latency budget as measured, not only as predicted: plans at the budget, measures the plan
 * on this machine, and while it is over, plans again at a budget tightened by the factor the plan
 * was measured over its prediction (the table's error on it, taken to hold for its neighbours), a
 * few times at most. Budget, predictions and measurements are in one unit (milliseconds, or
 * fractions of the unpruned model). Only tightens: a plan under its budget is kept as it is. When a
 * tightened budget is out of the planner's reach, the last plan is kept, over its budget, and the
 * outcome says why it stopped.
 */
public final class BudgetCorrection {
    /** One plan: the budget it was planned at, its predicted and its measured latency. */
    public record Attempt(double plannedAt, double predicted, double measured) {
    }

    /**
     * The last plan made, every attempt in order (the last one is the plan's), and why no tighter
     * plan was made after one over its budget (null when none was tried or one was made).
     */
    public record Outcome<P>(P plan, List<Attempt> attempts, double budget, String unreachable) {
        public Attempt last() {
            return attempts.get(attempts.size() - 1);
        }

        public boolean met() {
            return last().measured() <= budget;
        }

        /** The attempts as "planned at -> predicted, measured", and why the last was not tightened when it is over. */
        public String describe() {
            return String.join(", ", attempts.stream().map(a -> String.format(Locale.ROOT, "planned at %.3f -> predicted %.3f, measured %.3f",
                    a.plannedAt(), a.predicted(), a.measured())).toList()) + (unreachable == null ? "" : "; no tighter plan: " + unreachable);
        }
    }

    /** Makes the plan for a budget; throws {@link InvalidInputException} when no plan meets it. */
    @FunctionalInterface
    public interface Planner<P> {
        P plan(double budget);
    }

    private BudgetCorrection() {
    }

    /**
     * @param corrections how many times at most to plan again (0: the first plan, measured)
     * @param discard     releases a plan that a later one replaced
     * @throws InvalidInputException when the budget itself is out of the planner's reach
     */
    public static <P> Outcome<P> meet(double budget, int corrections, Planner<P> planner, ToDoubleFunction<P> predicted,
                                      ToDoubleFunction<P> measured, Consumer<P> discard) {
        if (!(budget > 0) || corrections < 0) {
            throw new InvalidInputException(String.format(Locale.ROOT, "budget %s with %d corrections: expected a budget > 0 and corrections >= 0",
                    budget, corrections));
        }
        List<Attempt> attempts = new ArrayList<>();
        double plannedAt = budget;
        P plan = planner.plan(plannedAt);
        while (true) {
            Attempt attempt = new Attempt(plannedAt, predicted.applyAsDouble(plan), measured.applyAsDouble(plan));
            attempts.add(attempt);
            if (attempt.measured() <= budget || attempts.size() > corrections) {
                return new Outcome<>(plan, List.copyOf(attempts), budget, null);
            }
            plannedAt = Math.min(plannedAt, attempt.predicted()) * budget / attempt.measured();
            P tighter;
            try {
                tighter = planner.plan(plannedAt);
            } catch (InvalidInputException e) {
                return new Outcome<>(plan, List.copyOf(attempts), budget, String.format(Locale.ROOT, "planning at %.3f: %s", plannedAt,
                        e.getMessage()));
            }
            discard.accept(plan);
            plan = tighter;
        }
    }
}
