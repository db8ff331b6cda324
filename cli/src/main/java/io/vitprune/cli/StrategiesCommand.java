package io.vitprune.cli;

import io.vitprune.api.SettingSpec;
import io.vitprune.api.UnitKind;
import io.vitprune.core.registry.StrategyRegistry;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** Lists every scorer and selector found on the classpath, with the jar each came from and its settings. */
@Command(name = "strategies", description = "List the scorers and selectors (channel and token) and the token reducers found (ServiceLoader), with their jars.")
final class StrategiesCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Override
    public Integer call() {
        System.out.println("Scorers:");
        for (var scorer : registry.scorers()) {
            String kinds = scorer.factory().supportedKinds().stream().map(UnitKind::id).sorted().collect(Collectors.joining(","));
            System.out.printf("  %-22s %-55s kinds=%s%s%n      from %s (provider %s)%n", scorer.name(), scorer.description(), kinds,
                    (scorer.factory().needsData() ? " needs-data" : "") + (scorer.factory().trainsModel() ? " trains-model" : ""), scorer.source(), scorer.provider());
            printSettings(scorer.factory().settings());
        }
        System.out.println("Selectors:");
        for (var selector : registry.selectors()) {
            System.out.printf("  %-22s %s%n      from %s (provider %s)%n", selector.name(), selector.description(), selector.source(), selector.provider());
            printSettings(selector.factory().settings());
        }
        System.out.println("Token scorers (dynamic, per image):");
        for (var scorer : registry.tokenScorers()) {
            System.out.printf("  %-22s %-55s%s%n      from %s (provider %s)%n", scorer.name(), scorer.description(),
                    scorer.factory().learned() ? " learned" : "", scorer.source(), scorer.provider());
            printSettings(scorer.factory().settings());
        }
        System.out.println("Token selectors:");
        for (var selector : registry.tokenSelectors()) {
            System.out.printf("  %-22s %s%n      from %s (provider %s)%n", selector.name(), selector.description(), selector.source(), selector.provider());
            printSettings(selector.factory().settings());
        }
        System.out.println("Token reducers (drop or merge tokens in the forward pass; eval --tokens NAME --token-setting KEY=VALUE):");
        for (var reducer : registry.tokenReducers()) {
            System.out.printf("  %-22s %s%n      from %s (provider %s)%n", reducer.name(), reducer.description(), reducer.source(), reducer.provider());
            printSettings(reducer.factory().settings());
        }
        if (!registry.clashes().isEmpty()) {
            System.out.println("Names offered twice (unusable until one plug-in is removed):");
            for (var clash : registry.clashes()) {
                System.out.printf("  %s '%s': %s%n", clash.kind(), clash.name(), clash.offers().stream()
                        .map(offer -> "provider " + offer.provider() + " from " + offer.source()).collect(Collectors.joining("; ")));
            }
        }
        if (!registry.broken().isEmpty()) {
            System.out.println("Broken plug-ins (not loaded):");
            for (var broken : registry.broken()) {
                System.out.printf("  %s from %s: %s%n", broken.provider(), broken.source(), broken.reason());
            }
        }
        return 0;
    }

    /** Each setting on a line of its own: name, values, default, meaning (set with --scorer-setting / --selector-setting NAME=VALUE). */
    private static void printSettings(List<SettingSpec> settings) {
        settings.forEach(setting -> System.out.println("      setting " + setting.describe()));
    }
}
