package io.vitprune.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Saves and loads a model as a directory: {@code model.json} (format version, config, structure,
 * checksum of the parameters) and {@code parameters.ndlist} (DJL's NDList encoding, arrays named).
 * A pruned model needs nothing but its directory. Saving stages the directory and renames it.
 */
public final class ModelStore {
    public static final String MANIFEST = "model.json";
    public static final String PARAMETERS = "parameters.ndlist";
    public static final String FORMAT = "vitprune-model";
    public static final int FORMAT_VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The files {@link #save} writes: the only ones it replaces. */
    public static final Set<String> FILES = Set.of(MANIFEST, PARAMETERS);

    /**
     * What {@code model.json} holds. {@code configSha256} covers config and structure (see
     * {@link #configSha256}), so that an edited config does not load over weights it was not saved
     * with; a model saved before it was recorded has none and is loaded unchecked.
     */
    public record Manifest(String format, int formatVersion, VitConfig config, ModelStructure structure, String parametersSha256,
                           String configSha256) { }

    /** The part of a manifest its {@code configSha256} covers. */
    private record Described(VitConfig config, ModelStructure structure) { }

    private ModelStore() {
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /**
     * Writes {@code model} to {@code directory}, replacing what was there only once the new copy is
     * complete. Only what {@link #requireReplaceable} allows is replaced, so that a mistyped
     * {@code --out} never deletes a user's files.
     */
    public static void save(VisionTransformer model, Path directory) throws IOException {
        byte[] parameters = encodeParameters(model);
        Manifest manifest = new Manifest(FORMAT, FORMAT_VERSION, model.config(), model.structure(), sha256(parameters),
                configSha256(model.config(), model.structure()));
        Path staged = null;
        try {
            AtomicFiles.recoverInterruptedReplace(directory);
            requireReplaceable(directory);
            staged = AtomicFiles.stagingDirectory(directory);
            Files.write(staged.resolve(PARAMETERS), parameters);
            Files.write(staged.resolve(MANIFEST), JSON.writeValueAsBytes(manifest));
            AtomicFiles.replaceDirectory(staged, directory);
        } catch (IOException e) {
            throw new IOException("cannot save model to " + directory + ": " + AtomicFiles.describe(e) + " (nothing was changed)", e);
        } finally {
            if (staged != null) {
                AtomicFiles.deleteRecursively(staged);
            }
        }
    }

    /**
     * Fails unless {@code directory} is new, empty, or a model directory holding nothing but the
     * files {@link #save} writes ({@link #FILES}): anything else there (a model card, notes, a
     * sub-folder) was not written by this save and would be deleted with it.
     */
    public static void requireReplaceable(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        if (!Files.isDirectory(directory)) {
            throw new InvalidInputException("model output " + directory + " exists and is not a model directory (a file): expected a new path, "
                    + "an empty directory or a model directory to replace; nothing was changed");
        }
        List<String> entries;
        try (var list = Files.list(directory)) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (entries.isEmpty()) {
            return;
        }
        if (!entries.contains(MANIFEST)) {
            throw new InvalidInputException("model output " + directory + " exists and is not a model directory (no " + MANIFEST
                    + "): expected a new path, an empty directory or a model directory to replace; nothing was changed");
        }
        List<String> foreign = entries.stream().filter(name -> !FILES.contains(name)).toList();
        if (!foreign.isEmpty()) {
            throw new InvalidInputException("model output " + directory + " holds files a saved model does not have " + foreign
                    + ", which replacing it would delete: expected a model directory holding only " + new TreeSet<>(FILES)
                    + " (move those files, or choose another --out); nothing was changed");
        }
    }

    /** SHA-256 of {@code config} and {@code structure} as {@value #MANIFEST} writes them. */
    public static String configSha256(VitConfig config, ModelStructure structure) {
        try {
            return sha256(JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(new Described(config, structure)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What identifies a saved model: the SHA-256 of its config and structure and that of its weights. */
    public static String identity(Path directory) {
        Manifest manifest = readManifest(directory);
        return "config SHA-256 " + configSha256(manifest.config(), manifest.structure()) + ", weights SHA-256 " + manifest.parametersSha256();
    }

    /** Reads the manifest only (config, structure) without loading weights. */
    public static Manifest readManifest(Path directory) {
        if (!Files.exists(directory)) {
            recoverInterruptedSave(directory);
        }
        if (!Files.isDirectory(directory)) {
            throw new InvalidInputException("model directory " + directory + ": expected a directory written by vitprune (with "
                    + MANIFEST + " and " + PARAMETERS + ")");
        }
        Path file = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(file) && Files.isRegularFile(directory.resolve("tokens.json"))) {
            throw new InvalidInputException("model directory " + directory + " holds a token-pruned model (tokens.json, backbone/): "
                    + "expected a plain model here; load it as a token-pruned model (TokenModelStore)");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("model directory " + directory + " has no " + MANIFEST
                    + ": expected a directory written by vitprune (config and parameters)");
        }
        Manifest manifest;
        try {
            manifest = JSON.readValue(file.toFile(), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("model config " + file + " is not valid: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException("model config " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(manifest.format())) {
            throw new InvalidInputException("model config " + file + " has format '" + manifest.format() + "': expected '" + FORMAT + "'");
        }
        if (manifest.formatVersion() > FORMAT_VERSION) {
            throw new InvalidInputException("model directory " + directory + " has format version " + manifest.formatVersion()
                    + ": this vitprune reads versions up to " + FORMAT_VERSION + "; upgrade vitprune");
        }
        if (manifest.config() == null || manifest.structure() == null) {
            throw new InvalidInputException("model config " + file + ": expected both 'config' and 'structure'");
        }
        String described = configSha256(manifest.config(), manifest.structure());
        if (manifest.configSha256() != null && !manifest.configSha256().equals(described)) {
            throw new InvalidInputException("model config " + file + ": its config and structure have SHA-256 " + described + ", the file records "
                    + manifest.configSha256() + " (the config was edited after the model was saved, or is another model's): expected the config "
                    + "the weights were saved with");
        }
        return manifest;
    }

    /** A save killed between moving the old copy aside and moving the new one in leaves only the old one: move it back. */
    private static void recoverInterruptedSave(Path directory) {
        try {
            AtomicFiles.recoverInterruptedReplace(directory);
        } catch (IOException e) {
            throw new InvalidInputException("model directory " + directory + " is missing and its copy from an interrupted save cannot be "
                    + "moved back: " + AtomicFiles.describe(e), e);
        }
    }

    /** Loads a model into a sub-manager of {@code manager}; fails naming the file and what was expected. */
    public static VisionTransformer load(Path directory, NDManager manager) {
        Manifest manifest = readManifest(directory);
        Path file = directory.resolve(PARAMETERS);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("model directory " + directory + " has no " + PARAMETERS + ": expected the model's weights");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException("model weights " + file + " cannot be read: " + e.getMessage(), e);
        }
        String checksum = sha256(bytes);
        if (!checksum.equals(manifest.parametersSha256())) {
            throw new InvalidInputException("model weights " + file + " have SHA-256 " + checksum + ": " + MANIFEST + " expects "
                    + manifest.parametersSha256() + " (the file is truncated, corrupt or from another model)");
        }
        try (NDManager staging = manager.newSubManager()) {
            NDList arrays;
            try {
                arrays = NDList.decode(staging, bytes);
            } catch (RuntimeException e) {
                throw new InvalidInputException("model weights " + file + " are not a DJL NDList: " + e.getMessage(), e);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            for (NDArray array : arrays) {
                byName.put(array.getName(), array);
            }
            try {
                return VisionTransformer.fromParameters(manifest.config(), manifest.structure(), byName, manager);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("model directory " + directory + ": " + e.getMessage(), e);
            }
        }
    }

    /** Bytes of the parameters file of {@code model} (also its saved size). */
    public static byte[] encodeParameters(VisionTransformer model) throws IOException {
        NDList list = new NDList();
        model.namedParameters().forEach((name, parameter) -> {
            NDArray array = parameter.getArray();
            array.setName(name);
            list.add(array);
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        list.encode(out);
        return out.toByteArray();
    }

    /** Bytes of a saved model: its config and weights (other files, such as a model card, do not count). */
    public static long directorySize(Path directory) throws IOException {
        return Files.size(directory.resolve(MANIFEST)) + Files.size(directory.resolve(PARAMETERS));
    }

    /** The SHA-256 of {@code model}'s parameters file, as its manifest records it: the model's identity. */
    public static String parametersSha256(VisionTransformer model) throws IOException {
        return sha256(encodeParameters(model));
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
