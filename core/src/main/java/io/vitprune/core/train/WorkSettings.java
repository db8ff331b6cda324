package io.vitprune.core.train;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Binds a work directory to the settings of the training that uses it, for settings that
 * {@link TrainingRun} does not check itself (e.g. a penalty's weight): the first run writes them
 * to {@code file}, later runs must ask for the same ones, so that a resume never mixes two recipes.
 */
public final class WorkSettings {
    private WorkSettings() {
    }

    /**
     * Writes {@code settings} to {@code workDirectory/file}, or checks they equal those written
     * there; {@code what} names the training in the error, e.g. "VTP".
     */
    public static <T> void requireSame(Path workDirectory, String file, T settings, String what) throws IOException {
        Path path = workDirectory.resolve(file);
        if (Files.exists(path)) {
            Object saved = ModelStore.json().readValue(path.toFile(), settings.getClass());
            if (!saved.equals(settings)) {
                throw new InvalidInputException(what + " work directory " + workDirectory + " was made with " + saved + ": this run asks for "
                        + settings + " (use another work directory or the same settings)");
            }
            return;
        }
        Files.createDirectories(workDirectory);
        AtomicFiles.writeString(path, ModelStore.json().writeValueAsString(settings));
    }
}
