package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** A named way to make a {@link TokenReducer}; offered by a {@link StrategyProvider}. */
public interface TokenReducerFactory {
    /** What a reducer is made for: the model's structure and patches, where parameters live, a seed. */
    record Setup(ModelStructure structure, int patches, NDManager manager, long seed) {
        public Setup {
            requireNonNull(structure, "structure is null");
            requireNonNull(manager, "manager is null");
            if (patches < 1) {
                throw new IllegalArgumentException("patches " + patches + ": expected >= 1");
            }
        }
    }

    /** Unique name, e.g. {@code tome}. */
    String name();

    /** One line for listings. */
    String description();

    /** The settings this reducer accepts, each with its type, default and meaning; the host refuses others, and bad values, before {@code create}. */
    default List<SettingSpec> settings() {
        return List.of();
    }

    /** A reducer for a model of {@code setup.structure()}; fails naming the setting when the settings do not fit the model. */
    TokenReducer create(StrategySettings settings, Setup setup);
}
