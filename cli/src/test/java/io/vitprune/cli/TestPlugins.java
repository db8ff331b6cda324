package io.vitprune.cli;

import io.vitprune.core.testing.PluginJars;
import java.io.IOException;
import java.nio.file.Path;

/** Plug-in jars that misbehave in one way each, compiled from source the way a plug-in author's build would. */
final class TestPlugins {
    private TestPlugins() {
    }

    /**
     * A provider {@code className} offering scorer {@code scorer} of attention channels: {@code extraUnits}
     * more scores per block than there are units, every score {@code value}, after running {@code body}
     * (Java statements) in score(); {@code constructor} is the provider's constructor body.
     */
    static Path jar(Path directory, String className, String scorer, String constructor, int extraUnits, String value, String body)
            throws IOException {
        String source = """
                package com.example.vitprune;

                import io.vitprune.api.*;
                import java.util.*;

                public final class CLASS implements StrategyProvider {
                    public CLASS() { CONSTRUCTOR }
                    @Override public String name() { return "CLASS"; }
                    @Override public List<ScorerFactory> scorers() { return List.of(new Factory()); }

                    static final class Factory implements ScorerFactory, Scorer {
                        @Override public String name() { return "SCORER"; }
                        @Override public String description() { return "a misbehaving test plug-in"; }
                        @Override public Set<UnitKind> supportedKinds() { return EnumSet.of(UnitKind.ATTENTION_CHANNEL); }
                        @Override public Scorer create(StrategySettings settings) { return this; }
                        @Override public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
                            BODY
                            List<float[]> scores = new ArrayList<>();
                            for (BlockStructure block : model.structure().blocks()) {
                                float[] units = new float[block.units(kind) + EXTRA];
                                for (int i = 0; i < units.length; i++) units[i] = (VALUE) + i;
                                scores.add(units);
                            }
                            return new UnitScores(kind, scores);
                        }
                    }
                }
                """.replace("CLASS", className).replace("SCORER", scorer).replace("CONSTRUCTOR", constructor)
                .replace("EXTRA", String.valueOf(extraUnits)).replace("VALUE", value).replace("BODY", body);
        return PluginJars.build(directory, className + ".jar", "com.example.vitprune." + className, source);
    }

    /** A well-behaved plug-in offering {@code scorer}. */
    static Path good(Path directory, String className, String scorer) throws IOException {
        return jar(directory, className, scorer, "", 0, "1f", "");
    }
}
