/**
 * DynamicViT token pruning (seed 001, Rao et al. 2021; methods.md section 4.5).
 *
 * <ul>
 *   <li>{@code dynamicvit} ({@link io.vitprune.strategies.tokens.DynamicVitScorer}): one learned
 *       prediction module per stage; a token's score is its predicted log-probability of being kept.
 *   <li>{@code cls-attention} ({@link io.vitprune.strategies.tokens.ClassAttentionScorer}): the
 *       non-learned baseline, the class token's attention in the block before the stage.
 * *   <li>{@link io.vitprune.strategies.tokens.DynamicVitTrainee} and
 *       {@link io.vitprune.strategies.tokens.DynamicVitTraining}: training with hard Gumbel-softmax
 *       decisions and masked attention against a frozen teacher, through core's resumable training loop.
 * </ul>
 *
 * <p>Inference runs in core's {@code TokenPrunedModel}, which keeps the top {@code int(N * rho^s)} patch
 * tokens per image with core's {@code top-k} selector, gathers them, and saves with {@code TokenModelStore}.
 */
package io.vitprune.strategies.tokens;
