package dev.lowbit;

/**
 * How close one tensor of a quantized model is to the float model's, over a data set. Agreement
 * values are fractions in [0, 1]; a value that does not apply to the tensor's kind is NaN.
 *
 * @param tensor           the tensor's name; a transformer's token output [N, T, D] gets a second row
 *                         named {@code "NAME (mean-pooled)"}: its attention-masked sentence embeddings
 * @param producer         {@code "output"} for a graph output, else the op type and node that computes it
 * @param sqnrDb           signal-to-quantization-noise ratio over all values, in dB (higher is closer)
 * @param cosine           cosine similarity of all values taken as one vector
 * @param maxAbsError      largest absolute difference of one value
 * @param meanSampleCosine mean of each sample's cosine similarity (NaN for intermediate tensors)
 * @param minSampleCosine  the worst sample's cosine similarity (NaN for intermediate tensors)
 * @param top1Agreement    for class scores: the fraction of samples whose top class agrees
 * @param maskIou          for probability maps: the mean IoU of the masks above the mask threshold
 * @param decodeAgreement  for CTC sequence scores: the fraction of samples whose greedy decodes are equal
 */
public record OutputQuality(String tensor, String producer, double sqnrDb, double cosine, double maxAbsError,
                            double meanSampleCosine, double minSampleCosine, double top1Agreement, double maskIou,
                            double decodeAgreement) {
}
