package io.vitprune.core.io;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link PruningPlan} as JSON, readable and editable by hand:
 * <pre>{@code
 * {"format": "vitprune-plan", "version": 1,
 *  "source": {"dim": 192, "blocks": [{"headWidths": [32, 32], "mlpWidth": 384}, ...]},
 *  "blocks": [{"keptAttentionChannels": [0, 2, ...], "keptMlpUnits": [1, 5, ...]}, ...]}
 * }</pre>
 * The source structure travels with the plan so that applying it to another model fails clearly.
 * Unknown fields are ignored, so later versions may add some without breaking older readers.
 */
public final class PlanCodec {
    public static final String FORMAT = "vitprune-plan";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanCodec() {
    }

    public static String toJson(PruningPlan plan) {
        requireNonNull(plan, "plan is null");
        ObjectNode root = JSON.createObjectNode().put("format", FORMAT).put("version", VERSION);
        ObjectNode source = root.putObject("source").put("dim", plan.source().dim());
        ArrayNode sourceBlocks = source.putArray("blocks");
        for (BlockStructure block : plan.source().blocks()) {
            ObjectNode node = sourceBlocks.addObject();
            block.headWidths().forEach(node.putArray("headWidths")::add);
            node.put("mlpWidth", block.mlpWidth());
        }
        ArrayNode blocks = root.putArray("blocks");
        for (BlockPlan block : plan.blocks()) {
            ObjectNode node = blocks.addObject();
            ArrayNode attention = node.putArray("keptAttentionChannels");
            for (int channel : block.keptAttentionChannels()) {
                attention.add(channel);
            }
            ArrayNode mlp = node.putArray("keptMlpUnits");
            for (int unit : block.keptMlpUnits()) {
                mlp.add(unit);
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of numbers and strings always serializes", e);
        }
    }

    /** Parses a plan; fails naming the first field that is missing or not what was expected. */
    public static PruningPlan fromJson(String json) {
        requireNonNull(json, "json is null");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("pruning plan is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException("pruning plan: expected a JSON object with \"format\": \"" + FORMAT + "\"");
        }
        String format = field(root, "format", "").asText();
        if (!FORMAT.equals(format)) {
            throw new InvalidInputException("pruning plan has format '" + format + "': expected '" + FORMAT + "'");
        }
        int version = integer(field(root, "version", ""), "version");
        if (version < 1 || version > VERSION) {
            throw new InvalidInputException("pruning plan has version " + version + ": this vitprune reads versions 1 to " + VERSION
                    + (version > VERSION ? "; upgrade vitprune" : ""));
        }
        JsonNode source = field(root, "source", "");
        List<BlockStructure> structure = new ArrayList<>();
        List<JsonNode> sourceBlocks = array(field(source, "blocks", "source."), "source.blocks");
        for (int b = 0; b < sourceBlocks.size(); b++) {
            String where = "source.blocks[" + b + "].";
            JsonNode block = sourceBlocks.get(b);
            structure.add(new BlockStructure(
                    integers(field(block, "headWidths", where), where + "headWidths"),
                    integer(field(block, "mlpWidth", where), where + "mlpWidth")));
        }
        ModelStructure model = new ModelStructure(integer(field(source, "dim", "source."), "source.dim"), structure);
        List<BlockPlan> blocks = new ArrayList<>();
        List<JsonNode> planBlocks = array(field(root, "blocks", ""), "blocks");
        for (int b = 0; b < planBlocks.size(); b++) {
            String where = "blocks[" + b + "].";
            JsonNode block = planBlocks.get(b);
            blocks.add(new BlockPlan(
                    ints(integers(field(block, "keptAttentionChannels", where), where + "keptAttentionChannels")),
                    ints(integers(field(block, "keptMlpUnits", where), where + "keptMlpUnits"))));
        }
        return new PruningPlan(model, blocks);
    }

    /** Writes the plan so that a reader never sees a half-written file. */
    public static void write(Path file, PruningPlan plan) throws IOException {
        requireNonNull(file, "file is null");
        AtomicFiles.writeString(file, toJson(plan) + "\n");
    }

    public static PruningPlan read(Path file) {
        requireNonNull(file, "file is null");
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("pruning plan " + file + " does not exist: expected a JSON file written by vitprune", e);
        } catch (IOException e) {
            throw new InvalidInputException("pruning plan " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            return fromJson(json);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode field(JsonNode object, String name, String where) {
        JsonNode value = object.isObject() ? object.get(name) : null;
        if (value == null || value.isNull()) {
            throw new InvalidInputException("pruning plan has no field '" + where + name + "': expected " + expectation(name));
        }
        return value;
    }

    private static String expectation(String field) {
        return switch (field) {
            case "format" -> "\"" + FORMAT + "\"";
            case "version" -> "the format version, " + VERSION;
            case "source" -> "the structure the plan was made for, {\"dim\": .., \"blocks\": [..]}";
            case "blocks" -> "an array with one entry per block";
            case "headWidths", "keptAttentionChannels", "keptMlpUnits" -> "an array of integers";
            default -> "an integer";
        };
    }

    private static List<JsonNode> array(JsonNode node, String where) {
        if (!node.isArray()) {
            throw new InvalidInputException("pruning plan field '" + where + "' is " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ": expected an array");
        }
        List<JsonNode> items = new ArrayList<>();
        node.forEach(items::add);
        return items;
    }

    private static List<Integer> integers(JsonNode node, String where) {
        List<JsonNode> items = array(node, where);
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            values.add(integer(items.get(i), where + "[" + i + "]"));
        }
        return values;
    }

    private static int integer(JsonNode node, String where) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new InvalidInputException("pruning plan field '" + where + "' is " + node + ": expected an integer");
        }
        return node.intValue();
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
