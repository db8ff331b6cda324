package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import java.nio.file.Path;

/**
 * Saves two models to one directory in turn, forever (until killed): {@code SaveLoop <a> <b> <target>}.
 * Prints "saving" once the first save starts, so that a test kills it while saves are under way.
 */
public final class SaveLoop {
    private SaveLoop() {
    }

    public static void main(String[] args) throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                VisionTransformer a = ModelStore.load(Path.of(args[0]), manager);
                VisionTransformer b = ModelStore.load(Path.of(args[1]), manager)) {
            Path target = Path.of(args[2]);
            System.out.println("saving");
            System.out.flush();
            for (long i = 0; ; i++) {
                ModelStore.save(i % 2 == 0 ? a : b, target);
            }
        }
    }
}
