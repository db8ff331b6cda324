package io.vitprune.strategies.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KnapsackTest {
    @Test
    void matchesBruteForceOnRandomSmallCases() {
        Random random = new Random(11);
        int feasible = 0;
        for (int trial = 0; trial < 300; trial++) {
            List<List<Knapsack.Option>> groups = new ArrayList<>();
            int depth = 1 + random.nextInt(4);
            double cheapest = 0;
            double dearest = 0;
            for (int g = 0; g < depth; g++) {
                List<Knapsack.Option> options = new ArrayList<>();
                int count = 1 + random.nextInt(5);
                double min = Double.POSITIVE_INFINITY;
                double max = 0;
                for (int o = 0; o < count; o++) {
                    // Some costs repeat, so that ties between equal costs are exercised.
                    double cost = random.nextInt(4) == 0 ? 1.0 : random.nextDouble() * 3;
                    options.add(new Knapsack.Option(cost, random.nextDouble() * 10));
                    min = Math.min(min, cost);
                    max = Math.max(max, cost);
                }
                cheapest += min;
                dearest += max;
                groups.add(options);
            }
            double capacity = cheapest + random.nextDouble() * (dearest - cheapest) * 1.1 - 0.1;
            double best = bruteForce(groups, capacity, 0, 0, 0);
            Optional<int[]> chosen = Knapsack.choose(groups, capacity);
            if (best == Double.NEGATIVE_INFINITY) {
                assertThat(chosen).as("trial %d: nothing fits", trial).isEmpty();
                continue;
            }
            feasible++;
            assertThat(chosen).as("trial %d", trial).isPresent();
            double cost = 0;
            double value = 0;
            for (int g = 0; g < depth; g++) {
                cost += groups.get(g).get(chosen.get()[g]).cost();
                value += groups.get(g).get(chosen.get()[g]).value();
            }
            assertThat(cost).as("trial %d: within the capacity", trial).isLessThanOrEqualTo(capacity);
            assertThat(value).as("trial %d: as valuable as the best of all combinations", trial).isCloseTo(best, within(1e-9));
        }
        assertThat(feasible).as("most random cases can be met").isGreaterThan(200);
    }

    @Test
    void infeasibleWhenEvenTheCheapestChoicesExceedTheCapacity() {
        List<List<Knapsack.Option>> groups = List.of(
                List.of(new Knapsack.Option(1, 1), new Knapsack.Option(2, 5)),
                List.of(new Knapsack.Option(1, 1), new Knapsack.Option(3, 2)));
        assertThat(Knapsack.choose(groups, 1.9)).isEmpty();
        assertThat(Knapsack.choose(groups, 2.0)).hasValueSatisfying(chosen -> assertThat(chosen).containsExactly(0, 0));
        assertThat(Knapsack.choose(groups, 3.0)).hasValueSatisfying(chosen -> assertThat(chosen).containsExactly(1, 0));
    }

    private static double bruteForce(List<List<Knapsack.Option>> groups, double capacity, int group, double cost, double value) {
        if (cost > capacity) {
            return Double.NEGATIVE_INFINITY;
        }
        if (group == groups.size()) {
            return value;
        }
        double best = Double.NEGATIVE_INFINITY;
        for (Knapsack.Option option : groups.get(group)) {
            best = Math.max(best, bruteForce(groups, capacity, group + 1, cost + option.cost(), value + option.value()));
        }
        return best;
    }
}
