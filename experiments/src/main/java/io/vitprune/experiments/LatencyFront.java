package io.vitprune.experiments;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A baseline's best top-1 at a given latency: the Pareto front of its (latency, top-1) points (a
 * point stays unless another is at least as fast and more accurate), linear between neighbours.
 * Slower than its slowest point, the front holds that point's top-1 (the baseline could run that
 * faster model); faster than its fastest, it has no value: no baseline model is that fast.
 */
final class LatencyFront {
    record Point(double ms, double top1) { }

    private final List<Point> front;

    LatencyFront(List<Point> points) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingDouble(Point::ms).thenComparing(Comparator.comparingDouble(Point::top1).reversed()));
        List<Point> kept = new ArrayList<>();
        for (Point point : sorted) {
            if (kept.isEmpty() || point.top1() > kept.get(kept.size() - 1).top1()) {
                kept.add(point);
            }
        }
        this.front = List.copyOf(kept);
    }

    /** The front's points, fastest first. */
    List<Point> points() {
        return front;
    }

    /** The front's top-1 at {@code ms}; empty below its fastest point. */
    OptionalDouble top1At(double ms) {
        if (front.isEmpty() || ms < front.get(0).ms()) {
            return OptionalDouble.empty();
        }
        for (int i = 1; i < front.size(); i++) {
            Point upper = front.get(i);
            if (ms < upper.ms()) {
                Point lower = front.get(i - 1);
                return OptionalDouble.of(lower.top1() + (ms - lower.ms()) / (upper.ms() - lower.ms()) * (upper.top1() - lower.top1()));
            }
        }
        return OptionalDouble.of(front.get(front.size() - 1).top1());
    }
}
