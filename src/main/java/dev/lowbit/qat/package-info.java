/**
 * Quantization-aware training ({@code lowbit train CONFIG.yaml}, {@code lowbit test CONFIG.yaml CHECKPOINT}).
 *
 * <p>Design: training starts from post-training quantization ({@link dev.lowbit.ptq.PostTrainingQuantizer}
 * gives the BN-folded prepared graph, the quantizer plan and calibrated ranges). The folded float
 * graph is fine-tuned on lowbit's {@link dev.lowbit.grad.Tape} with fake quantization
 * <ul>
 *   <li>on weights: per-channel min-max ranges recomputed from the current weights each step
 *       (min-max never clips, so the straight-through gradient is the identity);</li>
 *   <li>on the planned activations: Clip → QuantizeLinear → DequantizeLinear inserted in the training
 *       graph ({@link dev.lowbit.qat.ActivationQuantizers}), exactly what the export contains, with
 *       step sizes either fixed from calibration or learned by LSQ (gradient scale 1/sqrt(N·QP),
 *       zero points fixed).</li>
 * </ul>
 * Export is {@link dev.lowbit.export.QdqWriter} with the trained weights and final ranges, so
 * the accuracy measured after each epoch is that of the exported model.
 *
 * <p>Float mode trains the same BN-folded graph without fake quantization (BatchNormalization is
 * folded before training in both modes: the Tape's BN does not update running statistics).
 * Determinism: the data order and augmentation of epoch e depend only on the seed and e, and the
 * backward kernels partition work by output element, so results do not depend on the thread count.
 */
package dev.lowbit.qat;
