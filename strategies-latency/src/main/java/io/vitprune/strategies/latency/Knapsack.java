package io.vitprune.strategies.latency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A multiple-choice knapsack: one option per group (block), total cost within a capacity, total
 * value as high as possible. Exact: a dynamic programme over groups that keeps the Pareto frontier
 * of (cost, value) of the partial choices, every state that no cheaper state matches in value, so no
 * optimal choice is ever dropped and costs need no rounding.
 */
final class Knapsack {
    /** One choice of a group: what it costs and what it is worth. */
    record Option(double cost, double value) { }

    private Knapsack() {
    }

    /** The index of the chosen option of every group; empty when even the cheapest choices exceed {@code capacity}. */
    static Optional<int[]> choose(List<List<Option>> groups, double capacity) {
        // Frontier of one stage: cost and value of each state, and the previous stage's state and the option it came by.
        double[] costs = {0};
        double[] values = {0};
        List<int[]> previous = new ArrayList<>();
        List<int[]> options = new ArrayList<>();
        for (List<Option> group : groups) {
            int size = costs.length * group.size();
            double[] nextCosts = new double[size];
            double[] nextValues = new double[size];
            int[] from = new int[size];
            int[] by = new int[size];
            int count = 0;
            for (int state = 0; state < costs.length; state++) {
                for (int o = 0; o < group.size(); o++) {
                    double cost = costs[state] + group.get(o).cost();
                    if (cost <= capacity) {
                        nextCosts[count] = cost;
                        nextValues[count] = values[state] + group.get(o).value();
                        from[count] = state;
                        by[count] = o;
                        count++;
                    }
                }
            }
            if (count == 0) {
                return Optional.empty();
            }
            double[] finalCosts = nextCosts;
            double[] finalValues = nextValues;
            Integer[] order = new Integer[count];
            Arrays.setAll(order, i -> i);
            // Cheapest first, the most valuable first among equal costs; the sort is stable, so ties keep their order.
            Arrays.sort(order, (a, b) -> finalCosts[a] != finalCosts[b] ? Double.compare(finalCosts[a], finalCosts[b])
                    : Double.compare(finalValues[b], finalValues[a]));
            int kept = 0;
            int[] keep = new int[count];
            double best = Double.NEGATIVE_INFINITY;
            for (int i : order) {
                if (nextValues[i] > best) {
                    keep[kept++] = i;
                    best = nextValues[i];
                }
            }
            costs = new double[kept];
            values = new double[kept];
            int[] stageFrom = new int[kept];
            int[] stageBy = new int[kept];
            for (int i = 0; i < kept; i++) {
                costs[i] = nextCosts[keep[i]];
                values[i] = nextValues[keep[i]];
                stageFrom[i] = from[keep[i]];
                stageBy[i] = by[keep[i]];
            }
            previous.add(stageFrom);
            options.add(stageBy);
        }
        // Values rise along the frontier: its last state is the most valuable.
        int[] chosen = new int[groups.size()];
        int state = costs.length - 1;
        for (int g = groups.size() - 1; g >= 0; g--) {
            chosen[g] = options.get(g)[state];
            state = previous.get(g)[state];
        }
        return Optional.of(chosen);
    }
}
