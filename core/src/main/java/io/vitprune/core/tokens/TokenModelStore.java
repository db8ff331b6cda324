package io.vitprune.core.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenScorer;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Saves and loads a {@link TokenPrunedModel} as a directory: {@code backbone/} (an ordinary model
 * directory of {@link ModelStore}: manifest with format version and checksum, parameters),
 * {@code tokens.json} (format version, the token pruning, the scorer and selector by registry name
 * with their settings, the backbone's checksum, the shapes and checksum of the scorer's
 * parameters) and {@code token-scorer.ndlist} (the scorer's parameters by name). Saving stages the
 * directory and renames it. Loading finds the scorer and selector in a {@link StrategyRegistry} and
 * fails naming the file and what was expected when the parts disagree.
 */
public final class TokenModelStore {
    public static final String MANIFEST = "tokens.json";
    public static final String SCORER_PARAMETERS = "token-scorer.ndlist";
    public static final String BACKBONE = "backbone";
    public static final String FORMAT = "vitprune-token-model";
    public static final int FORMAT_VERSION = 1;

    /** What {@code tokens.json} holds. */
    public record Manifest(String format, int formatVersion, TokenPruning pruning, TokenStrategies strategies, long seed,
                           String backboneParametersSha256, Map<String, long[]> scorerParameterShapes, String scorerParametersSha256) { }

    private TokenModelStore() {
    }

    /** Whether {@code directory} holds a token-pruned model (rather than a plain one). */
    public static boolean isTokenModel(Path directory) {
        return Files.isRegularFile(directory.resolve(MANIFEST));
    }

    public static void save(TokenPrunedModel model, Path directory) throws IOException {
        save(model, 0, directory);
    }

    /** Writes {@code model}; {@code seed} is recorded (the scorer's initialisation seed, for the record). */
    public static void save(TokenPrunedModel model, long seed, Path directory) throws IOException {
        NDList arrays = new NDList();
        Map<String, long[]> shapes = new TreeMap<>();
        model.scorerParameters().forEach((name, parameter) -> {
            NDArray array = parameter.getArray();
            array.setName(name);
            arrays.add(array);
            shapes.put(name, array.getShape().getShape());
        });
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        arrays.encode(bytes);
        byte[] scorerBytes = bytes.toByteArray();
        AtomicFiles.recoverInterruptedReplace(directory);
        requireReplaceable(directory);
        Path staged = AtomicFiles.stagingDirectory(directory);
        try {
            ModelStore.save(model.backbone(), staged.resolve(BACKBONE));
            String backboneSha = ModelStore.readManifest(staged.resolve(BACKBONE)).parametersSha256();
            Files.write(staged.resolve(SCORER_PARAMETERS), scorerBytes);
            Manifest manifest = new Manifest(FORMAT, FORMAT_VERSION, model.pruning(), model.strategies(), seed, backboneSha, shapes,
                    ModelStore.sha256(scorerBytes));
            Files.write(staged.resolve(MANIFEST), ModelStore.json().writeValueAsBytes(manifest));
            AtomicFiles.replaceDirectory(staged, directory);
        } finally {
            AtomicFiles.deleteRecursively(staged);
        }
    }

    /**
     * Fails unless {@code directory} is new, empty, or a token model directory holding nothing but
     * what {@link #save} writes ({@code backbone/} holding only a model's files included): anything
     * else there would be deleted with it.
     */
    public static void requireReplaceable(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        List<String> entries;
        try (var list = Files.isDirectory(directory) ? Files.list(directory) : Stream.<Path>empty()) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (Files.isDirectory(directory) && entries.isEmpty()) {
            return;
        }
        if (!entries.contains(MANIFEST)) {
            throw new InvalidInputException("token model output " + directory + " exists and is not a token model directory (no " + MANIFEST
                    + "): expected a new path, an empty directory or a token model directory to replace; nothing was changed");
        }
        List<String> foreign = entries.stream().filter(name -> !FILES.contains(name)).toList();
        if (!foreign.isEmpty()) {
            throw new InvalidInputException("token model output " + directory + " holds files a saved token model does not have " + foreign
                    + ", which replacing it would delete: expected only " + new TreeSet<>(FILES) + "; nothing was changed");
        }
        if (Files.exists(directory.resolve(BACKBONE))) {
            ModelStore.requireReplaceable(directory.resolve(BACKBONE));
        }
    }

    /** The entries {@link #save} writes: the only ones it replaces. */
    private static final Set<String> FILES = Set.of(MANIFEST, SCORER_PARAMETERS, BACKBONE);

    /** Bytes of a saved token model: the backbone's config and weights, the token config and the scorer's parameters. */
    public static long directorySize(Path directory) throws IOException {
        return ModelStore.directorySize(directory.resolve(BACKBONE)) + Files.size(directory.resolve(MANIFEST))
                + Files.size(directory.resolve(SCORER_PARAMETERS));
    }

    public static Manifest readManifest(Path directory) {
        Path file = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("token model directory " + directory + " has no " + MANIFEST
                    + ": expected a directory written by vitprune for a token-pruned model (backbone/, " + MANIFEST + ", " + SCORER_PARAMETERS + ")");
        }
        Manifest manifest;
        try {
            manifest = ModelStore.json().readValue(file.toFile(), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("token model config " + file + " is not valid: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException("token model config " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(manifest.format())) {
            throw new InvalidInputException("token model config " + file + " has format '" + manifest.format() + "': expected '" + FORMAT + "'");
        }
        if (manifest.formatVersion() > FORMAT_VERSION) {
            throw new InvalidInputException("token model directory " + directory + " has format version " + manifest.formatVersion()
                    + ": this vitprune reads versions up to " + FORMAT_VERSION + "; upgrade vitprune");
        }
        if (manifest.pruning() == null || manifest.strategies() == null || manifest.scorerParameterShapes() == null) {
            throw new InvalidInputException("token model config " + file + ": expected 'pruning', 'strategies' and 'scorerParameterShapes'");
        }
        return manifest;
    }

    /** Loads a token-pruned model (backbone, scorer, selector) into a sub-manager of {@code manager}. */
    public static TokenPrunedModel load(Path directory, StrategyRegistry registry, NDManager manager) {
        Manifest manifest = readManifest(directory);
        Path backboneDirectory = directory.resolve(BACKBONE);
        String backboneSha = ModelStore.readManifest(backboneDirectory).parametersSha256();
        if (!backboneSha.equals(manifest.backboneParametersSha256())) {
            throw new InvalidInputException("token model " + directory + ": its backbone's parameters have SHA-256 " + backboneSha + ", "
                    + MANIFEST + " expects " + manifest.backboneParametersSha256()
                    + " (the backbone was replaced; its token scorer was trained for another one)");
        }
        VisionTransformer backbone = ModelStore.load(backboneDirectory, manager);
        TokenPrunedModel model;
        try {
            try {
                manifest.pruning().requireFits(backbone.structure().depth());
            } catch (InvalidInputException e) {
                throw new InvalidInputException("token model " + directory + ": " + e.getMessage(), e);
            }
            model = TokenPrunedModel.compose(backbone, manifest.pruning(), manifest.strategies(), registry, manifest.seed());
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
        try {
            restoreScorer(model.scorer(), manifest, directory, manager);
            return model;
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e instanceof InvalidInputException invalid ? invalid
                    : new InvalidInputException("token scorer parameters " + directory.resolve(SCORER_PARAMETERS) + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static void restoreScorer(TokenScorer scorer, Manifest manifest, Path directory, NDManager manager) throws IOException {
        Path file = directory.resolve(SCORER_PARAMETERS);
        Map<String, Parameter> parameters = scorer.parameters();
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("token model directory " + directory + " has no " + SCORER_PARAMETERS
                    + ": expected the token scorer's parameters " + new TreeSet<>(parameters.keySet()));
        }
        byte[] bytes = Files.readAllBytes(file);
        String checksum = ModelStore.sha256(bytes);
        if (!checksum.equals(manifest.scorerParametersSha256())) {
            throw new InvalidInputException("token scorer parameters " + file + " have SHA-256 " + checksum + ": " + MANIFEST + " expects "
                    + manifest.scorerParametersSha256() + " (the file is truncated, corrupt or from another model)");
        }
        if (!new TreeSet<>(manifest.scorerParameterShapes().keySet()).equals(new TreeSet<>(parameters.keySet()))) {
            throw new InvalidInputException("token model " + directory + " holds scorer parameters " + new TreeSet<>(manifest.scorerParameterShapes().keySet())
                    + ": token scorer '" + manifest.strategies().scorer() + "' for this backbone and pruning has " + new TreeSet<>(parameters.keySet()));
        }
        try (NDManager loading = manager.newSubManager()) {
            NDList saved = NDList.decode(loading, bytes);
            for (NDArray array : saved) {
                Parameter target = parameters.get(array.getName());
                if (target == null) {
                    throw new InvalidInputException("token scorer parameter '" + array.getName() + "' in " + file + " is not one of "
                            + new TreeSet<>(parameters.keySet()));
                }
                if (!target.getArray().getShape().equals(array.getShape())) {
                    throw new InvalidInputException("token scorer parameter '" + array.getName() + "' in " + file + " has shape "
                            + array.getShape() + ": token scorer '" + manifest.strategies().scorer() + "' for the backbone in "
                            + directory.resolve(BACKBONE) + " expects " + target.getArray().getShape());
                }
                target.getArray().set(array.toFloatArray());
            }
        }
    }
}
