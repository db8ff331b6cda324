package io.vitprune.core.tokens;

import static io.vitprune.core.testing.TestModels.images;
import static io.vitprune.core.testing.TestModels.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.LinearTokenScorer;
import io.vitprune.core.testing.TinyTokenModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token-pruned model saves as a directory and loads from it alone; parts that disagree are named. */
class TokenModelStoreTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    @TempDir
    Path temp;

    @Test
    void aSavedTokenModelLoadsWithTheSameOutputs() throws IOException {
        Path directory = temp.resolve("dvit");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray expected;
            try (TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(1, manager), TinyTokenModel.PRUNING, TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                    REGISTRY, 2)) {
                TinyTokenModel.randomize(model.scorerParameters(), 3);
                TokenModelStore.save(model, 2, directory);
                try (NDManager scope = model.newScope()) {
                    expected = model.logits(images(TinyTokenModel.CONFIG, 4, 5, scope));
                    expected.attach(manager);
                }
            }
            try (TokenPrunedModel loaded = TokenModelStore.load(directory, REGISTRY, manager); NDManager scope = loaded.newScope()) {
                assertThat(loaded.pruning()).isEqualTo(TinyTokenModel.PRUNING);
                assertThat(loaded.strategies()).isEqualTo(TokenStrategies.of(LinearTokenScorer.NAME, "top-k"));
                assertThat(maxAbsDifference(loaded.logits(images(TinyTokenModel.CONFIG, 4, 5, scope)), expected)).isEqualTo(0f);
            }
        }
        assertThat(TokenModelStore.isTokenModel(directory)).isTrue();
        assertThat(directory.resolve("backbone").resolve(ModelStore.MANIFEST)).isRegularFile();
    }

    @Test
    void aReplacedBackboneOrCorruptPredictorsAreRejected() throws IOException {
        Path directory = temp.resolve("dvit");
        Path other = temp.resolve("other");
        try (NDManager manager = NDManager.newBaseManager()) {
            try (TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(1, manager), TinyTokenModel.PRUNING, TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                    REGISTRY, 2)) {
                TokenModelStore.save(model, directory);
            }
            try (var different = TinyTokenModel.model(7, manager)) {
                ModelStore.save(different, other);
            }
            Path copy = temp.resolve("swapped");
            copyTree(directory, copy);
            AtomicFiles.deleteRecursively(copy.resolve(TokenModelStore.BACKBONE));
            copyTree(other, copy.resolve(TokenModelStore.BACKBONE));
            assertThatThrownBy(() -> TokenModelStore.load(copy, REGISTRY, manager)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("backbone was replaced");

            Path corrupt = temp.resolve("corrupt");
            copyTree(directory, corrupt);
            Files.write(corrupt.resolve(TokenModelStore.SCORER_PARAMETERS), new byte[] {1, 2, 3});
            assertThatThrownBy(() -> TokenModelStore.load(corrupt, REGISTRY, manager)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(TokenModelStore.SCORER_PARAMETERS).hasMessageContaining("SHA-256");

            assertThatThrownBy(() -> ModelStore.load(directory, manager)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("token-pruned model");
        }
    }

    @Test
    void onlyADirectoryOfATokenModelsOwnFilesIsReplaced() throws IOException {
        Path directory = temp.resolve("dvit");
        Path photos = Files.createDirectories(temp.resolve("photos"));
        Files.writeString(photos.resolve("holiday.jpg"), "precious");
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(1, manager), TinyTokenModel.PRUNING, TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                     REGISTRY, 2)) {
            TokenModelStore.save(model, directory);
            TokenModelStore.save(model, directory);
            assertThatThrownBy(() -> TokenModelStore.save(model, photos)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("is not a token model directory");
            Files.writeString(directory.resolve("notes.txt"), "mine");
            assertThatThrownBy(() -> TokenModelStore.save(model, directory)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("[notes.txt]");
            Files.delete(directory.resolve("notes.txt"));
            Files.writeString(directory.resolve(TokenModelStore.BACKBONE).resolve("MODEL_CARD.md"), "card");
            assertThatThrownBy(() -> TokenModelStore.save(model, directory)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("[MODEL_CARD.md]");
        }
        assertThat(photos.resolve("holiday.jpg")).hasContent("precious");
        assertThat(directory.resolve(TokenModelStore.BACKBONE).resolve("MODEL_CARD.md")).hasContent("card");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path path : walk.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
