package io.vitprune.api;

/** What one prunable unit is (methods.md section 2). */
public enum UnitKind {
    /** Index j of one block's attention inner dimension: column j of q, k, v and input j of the output Linear. */
    ATTENTION_CHANNEL("attention-channel"),
    /** Every channel of one attention head. */
    ATTENTION_HEAD("attention-head"),
    /** Hidden unit j of one block's MLP. */
    MLP_UNIT("mlp-unit"),
    /** One patch token at one stage of one forward pass (dynamic pruning). */
    TOKEN("token");

    private final String id;

    UnitKind(String id) {
        this.id = id;
    }

    /** The name used in files and on the command line, e.g. {@code attention-channel}. */
    public String id() {
        return id;
    }

    public static UnitKind fromId(String id) {
        for (UnitKind kind : values()) {
            if (kind.id.equals(id) || kind.name().equalsIgnoreCase(id)) {
                return kind;
            }
        }
        throw new InvalidInputException("unit kind '" + id + "': expected one of attention-channel, attention-head, mlp-unit, token");
    }
}
