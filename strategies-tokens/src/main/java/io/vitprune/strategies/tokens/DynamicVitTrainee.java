package io.vitprune.strategies.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenStage;
import io.vitprune.core.model.Scalars;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.select.TopKSelector;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenStrategies;
import io.vitprune.core.train.Objective;
import io.vitprune.core.train.Trainable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A student backbone with DynamicViT predictors, as core's {@link Trainable} (methods.md section
 * 4.5). Its training forward pass keeps every token in the sequence: at each stage the predictor
 * scores the patch tokens, a hard Gumbel-softmax decision (tau 1, straight-through) multiplied by
 * the previous stage's decides keep or drop, and the blocks mask dropped tokens inside attention.
 * The Gumbel noise of optimizer step t comes from the seed and t alone, so a resumed run draws
 * what an uninterrupted one would.
 *
 * <p>{@link #regularize} adds {@code ratioWeight * mean_s mean_b (mean_n decision - rho^s)^2};
 * {@link #objective} is CE + KL to the teacher + MSE to the teacher's final tokens on kept tokens,
 * using the decisions and tokens of the forward pass just run. The backbone trains at
 * {@code backboneScale} times the predictors' learning rate.
 *
 * <p>Owns the backbone and the predictors until {@link #toInferenceModel()} hands them over.
 */
public final class DynamicVitTrainee implements Trainable, AutoCloseable {
    private final VisionTransformer network;
    private final DynamicVitScorer scorer;
    private final DynamicVitSettings settings;
    private long step;
    private Forward last;

    /** What the last training forward pass decided: per-stage decisions (batch, N) and final-normed patch tokens. */
    private record Forward(List<NDArray> decisions, NDArray patchTokens) { }

    /** Predictors initialised from {@code settings.seed()}; owns {@code network} once built. */
    public DynamicVitTrainee(VisionTransformer network, DynamicVitSettings settings) {
        this.network = requireNonNull(network, "network is null");
        this.settings = requireNonNull(settings, "settings are null");
        this.scorer = new DynamicVitScorer(new io.vitprune.api.TokenScorerFactory.Setup(network.structure(), settings.pruning(),
                network.manager(), settings.seed()));
    }

    @Override
    public VisionTransformer network() {
        return network;
    }

    public DynamicVitSettings settings() {
        return settings;
    }

    @Override
    public Map<String, Parameter> extraParameters() {
        return scorer.parameters();
    }

    @Override
    public double learningRateScale(String name) {
        return scorer.parameters().containsKey(name) ? 1.0 : settings.backboneScale();
    }

    @Override
    public void beginStep(long step) {
        this.step = step;
    }

    /** The training forward pass (Gumbel decisions, masked attention); records what the loss needs. */
    @Override
    public NDArray logits(NDArray images) {
        return forward(images, true);
    }

    /**
     * The same masked forward pass with deterministic decisions instead of Gumbel samples: at each
     * stage the top {@code int(N * rho^s)} of the still-kept tokens by predicted keep score. It must
     * give the logits of the gathered inference model ({@link #toInferenceModel()}) up to float error.
     */
    public NDArray maskedLogits(NDArray images) {
        return forward(images, false);
    }

    private NDArray forward(NDArray images, boolean gumbel) {
        TokenPruning pruning = settings.pruning();
        int patches = network.config().patches();
        NDArray x = network.embed(images);
        NDManager scope = x.getManager();
        long batch = x.getShape().get(0);
        NDArray decision = scope.ones(new Shape(batch, patches));
        NDArray policy = null;
        List<NDArray> decisions = new ArrayList<>();
        for (int b = 0; b < network.structure().depth(); b++) {
            int stage = pruning.stageBefore(b);
            if (stage >= 0) {
                NDArray logProbabilities = scorer.logProbabilities(new TokenStage(stage, b, patches, x, decision, null));
                NDArray keep = gumbel ? gumbelKeep(logProbabilities, stage) : topK(logProbabilities, decision, pruning.keep(patches, stage));
                decision = keep.mul(decision);
                decisions.add(decision);
                policy = NDArrays.concat(new NDList(scope.ones(new Shape(batch, 1)), decision), 1);
            }
            x = network.block(b, x, policy, false).tokens();
        }
        last = new Forward(decisions, network.finalNorm(x).get(new NDIndex(":, 1:, :")));
        return network.classify(x);
    }

    /** Hard Gumbel-softmax (tau 1) keep decisions (batch, n), straight-through: the forward value is 0/1, the gradient the soft one's. */
    private NDArray gumbelKeep(NDArray logProbabilities, int stage) {
        Shape shape = logProbabilities.getShape();
        Random random = new Random((settings.seed() * 1_000_003L + step) * 31 + stage);
        float[] noise = new float[(int) shape.size()];
        for (int i = 0; i < noise.length; i++) {
            double u = Math.max(random.nextDouble(), 1e-12);
            noise[i] = (float) -Math.log(-Math.log(u));
        }
        NDArray soft = logProbabilities.add(logProbabilities.getManager().create(noise, shape)).softmax(-1).get(new NDIndex(":, :, 0"));
        NDArray hard = soft.gte(0.5f).toType(DataType.FLOAT32, false);
        return hard.sub(soft.stopGradient()).add(soft);
    }

    /** 0/1 (batch, n): the {@code keep} highest keep scores among tokens still kept in {@code decision}. */
    private static NDArray topK(NDArray logProbabilities, NDArray decision, int keep) {
        NDArray scores = logProbabilities.get(new NDIndex(":, :, 0")).stopGradient();
        NDArray masked = scores.add(decision.neg().add(1f).mul(Scalars.of(decision, -1e9f)));
        NDArray indices = masked.topK(keep, -1, true, false).get(1);
        int n = (int) scores.getShape().get(1);
        return indices.oneHot(n).sum(new int[] {1}).toType(DataType.FLOAT32, false);
    }

    /** The last forward pass's patch tokens after the final LayerNorm (batch, N, dim), dropped ones included. */
    NDArray lastPatchTokens() {
        return last.patchTokens();
    }

    /** The last forward pass's keep decisions (batch, N) per stage. */
    List<NDArray> lastDecisions() {
        return last.decisions();
    }

    /** Adds {@code ratioWeight * mean over stages of mean over images of (kept fraction - rho^s)^2}. */
    @Override
    public NDArray regularize(NDArray loss) {
        NDArray ratio = null;
        for (int s = 0; s < last.decisions().size(); s++) {
            NDArray term = last.decisions().get(s).mean(new int[] {1}).sub((float) settings.pruning().ratio(s)).square().mean();
            ratio = ratio == null ? term : ratio.add(term);
        }
        return loss.add(ratio.div(Scalars.of(ratio, last.decisions().size())).mul(Scalars.of(ratio, (float) settings.ratioWeight())));
    }

    /**
     * {@code CE(y, student) + klWeight * KL(teacher || student) + tokenWeight * MSE(teacher tokens,
     * student tokens)} over the tokens the last stage kept, teacher tokens and student tokens after
     * the final LayerNorm. {@code teacher} is frozen.
     */
    public Objective objective(VisionTransformer teacher) {
        requireNonNull(teacher, "teacher is null");
        Objective crossEntropy = Objective.crossEntropy(settings.labelSmoothing());
        return (logits, labels, images) -> {
            NDArray teacherTokens = teacher.embed(images);
            for (int b = 0; b < teacher.structure().depth(); b++) {
                teacherTokens = teacher.block(b, teacherTokens, null, null);
            }
            teacherTokens = teacherTokens.stopGradient();
            NDArray teacherLog = teacher.classify(teacherTokens).logSoftmax(-1);
            NDArray kl = teacherLog.exp().mul(teacherLog.sub(logits.logSoftmax(-1))).sum(new int[] {-1}).mean();
            NDArray teacherPatches = teacher.finalNorm(teacherTokens).get(new NDIndex(":, 1:, :"));
            NDArray mask = last.decisions().get(last.decisions().size() - 1).stopGradient();
            long dim = teacherPatches.getShape().get(2);
            NDArray squares = last.patchTokens().sub(teacherPatches).square().sum(new int[] {-1}).mul(mask).sum();
            NDArray tokenMse = squares.div(mask.sum().maximum(Scalars.of(squares, 1f)).mul(Scalars.of(squares, (float) dim)));
            return crossEntropy.loss(logits, labels, images).add(kl.mul(Scalars.of(kl, (float) settings.klWeight())))
                    .add(tokenMse.mul(Scalars.of(tokenMse, (float) settings.tokenWeight())));
        };
    }

    /** The gathered inference model (top-k by predicted keep score); takes over the backbone and predictors. */
    public TokenPrunedModel toInferenceModel() {
        return new TokenPrunedModel(network, settings.pruning(), TokenStrategies.of(DynamicVitScorer.NAME, TopKSelector.NAME), scorer,
                new TopKSelector());
    }

    @Override
    public void close() {
        try {
            scorer.close();
        } finally {
            network.close();
        }
    }
}
