package io.vitprune.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of a checkpoint's safetensors file (read with DJL's {@link NDList#decode}, as
 * float32 copies), taken by name as an importer maps them, so that it can name any it never took.
 */
final class CheckpointTensors {
    private final Path file;
    private final Map<String, NDArray> tensors;
    private final TreeSet<String> unused;

    private CheckpointTensors(Path file, Map<String, NDArray> tensors) {
        this.file = file;
        this.tensors = tensors;
        this.unused = new TreeSet<>(tensors.keySet());
    }

    static CheckpointTensors read(Path file, NDManager manager) throws IOException {
        NDList list;
        try (InputStream in = Files.newInputStream(file)) {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new InvalidInputException("weights " + file + " cannot be read as safetensors: " + e.getMessage(), e);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (NDArray array : list) {
            DataType type = array.getDataType();
            if (!type.isFloating()) {
                throw new InvalidInputException("weights " + file + ": tensor '" + array.getName() + "' is " + type + ": expected floating point");
            }
            // A copy: the decoded arrays may view the file's buffer, which is not the model's to keep.
            tensors.put(array.getName(), type == DataType.FLOAT32 ? array.duplicate() : array.toType(DataType.FLOAT32, true));
        }
        return new CheckpointTensors(file, tensors);
    }

    static JsonNode json(Path file, String what) throws IOException {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException(what + " " + file + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    Set<String> names() {
        return tensors.keySet();
    }

    boolean has(String name) {
        return tensors.containsKey(name);
    }

    NDArray take(String name) {
        NDArray array = tensors.get(name);
        if (array == null) {
            throw new InvalidInputException("weights " + file + " have no tensor '" + name + "'");
        }
        unused.remove(name);
        return array;
    }

    Shape shape(String name) {
        if (!tensors.containsKey(name)) {
            throw new InvalidInputException("weights " + file + " have no tensor '" + name + "'");
        }
        return tensors.get(name).getShape();
    }

    /** Fails naming every tensor not taken. */
    void requireAllTaken(String expected) {
        if (!unused.isEmpty()) {
            throw new InvalidInputException("weights " + file + " hold tensors vitprune does not use: " + String.join(", ", unused)
                    + " (expected " + expected + ")");
        }
    }

    static Map<String, String> names(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
