/**
 * VTP L1 channel gates (seed 002, Zhu et al., "Vision Transformer Pruning"; methods.md section 4.4).
 *
 * <ul>
 *   <li>{@link io.vitprune.strategies.vtp.GatedModel}: a network with one gate per attention channel
 *       (on q, k and v) and per MLP hidden unit (after GELU), passed to the blocks as masks.
 *   <li>{@link io.vitprune.strategies.vtp.VtpGates}: trains a copy of a model with its gates on
 *       cross-entropy + {@code lambda * sum |g|}, with core's resumable training loop.
 *   <li>{@link io.vitprune.strategies.vtp.GateFolding}: multiplies the gates into the weights
 *       (exactly), so that the gates can be dropped.
 *   <li>{@link io.vitprune.strategies.vtp.VtpPruning}: select by |g| (globally by ratio, or by a
 *       threshold), fold, remove: the pruned gate-trained network, ready for fine-tuning.
 *   <li>{@code Gates}: the gates and their penalty as an api
 *       {@code Regularizer}, which both the gated model and the host's training contract train.
 *   <li>{@code vtp-l1}: the scorer plug-in, written against the api. It trains its gates on the
 *       scoring data through the host's training contract and scores |g|; a plan from its scores
 *       applies to the original weights, whereas {@code VtpPruning} prunes the gate-trained ones,
 *       as the paper does.
 * </ul>
 */
package io.vitprune.strategies.vtp;
