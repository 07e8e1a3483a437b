/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Quantization-aware training ({@code lowbit train CONFIG.yaml}, {@code lowbit test CONFIG.yaml CHECKPOINT}).
 *
 * <p>Design: training starts from post-training quantization ({@link dev.lowbit.ptq.PostTrainingQuantizer}
 * gives the BN-folded prepared graph, the quantizer plan and calibrated ranges). The float graph is
 * fine-tuned on lowbit's {@link dev.lowbit.grad.Tape} with fake quantization that computes exactly what
 * the QDQ export computes (a test holds the training graph's logits to ONNX Runtime's on the export):
 * <ul>
 *   <li>weights ({@link dev.lowbit.qat.WeightQuantizer}): per-channel min-max recomputed each step, or
 *       LSQ step sizes learned per channel;</li>
 *   <li>biases: rounded to the int32 grid (input step × weight step) the export stores;</li>
 *   <li>activations ({@link dev.lowbit.qat.ActivationQuantizers}): Clip → QuantizeLinear →
 *       DequantizeLinear on the planned tensors, with steps fixed from calibration, learned by LSQ
 *       (gradient scale 1/sqrt(N·QP)) or PACT (clip level, L2 penalty), or tracked by moving-average
 *       min-max observers until {@code observer_off_epoch}; zero points stay fixed;</li>
 *   <li>BatchNormalization ({@link dev.lowbit.qat.BatchNormQat}): folded into the quantized conv weights
 *       while normalising with batch statistics and updating running statistics until
 *       {@code freeze_bn_epoch}, then frozen; {@code freeze_bn_epoch: 0} folds BN once up front.</li>
 * </ul>
 * Losses: cross-entropy, distillation from the float model, or MSE to its logits. Optimisers: SGD with
 * momentum and AdamW ({@link dev.lowbit.qat.ParamOptimizer}); step sizes move relatively under AdamW.
 * Float mode trains the same graph without fake quantization ({@code init: random} from scratch).
 *
 * <p>Determinism: the data order and augmentation of epoch e depend only on the seed and e, and the
 * backward kernels partition work by output element, so results do not depend on the thread count.
 * Checkpoints (every epoch) hold the weights, learned steps, unfolded BN tensors and optimizer
 * moments, so a resumed run continues exactly as an uninterrupted one.
 */
package dev.lowbit.qat;
