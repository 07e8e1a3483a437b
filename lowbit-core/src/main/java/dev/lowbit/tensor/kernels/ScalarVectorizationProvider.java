package dev.lowbit.tensor.kernels;

/** The plain-Java kernels: available on every JVM, and the references the Panama ones are tested against. */
final class ScalarVectorizationProvider extends VectorizationProvider {
    static final ScalarVectorizationProvider INSTANCE = new ScalarVectorizationProvider();

    private final GemmKernel gemm = new GemmScalarKernel();
    private final ConvDepthwiseKernel depthwise = new ConvDepthwiseScalar();
    private final ConvDirectKernel direct = new ConvDirectScalar();
    private final ConvFilterLanesKernel filterLanes = new ConvFilterLanesScalar();
    private final ConvPointwiseKernel pointwise = new ConvPointwiseScalar();
    private final BinaryFloatLoops binaryFloat = new ScalarBinaryFloatLoops();
    private final UnaryFloatLoops unaryFloat = new ScalarUnaryFloatLoops();
    private final EpilogueLoops epilogue = new ScalarEpilogueLoops();
    private final NormLoops norm = new ScalarNormLoops();
    private final ReductionLoops reductions = new ScalarReductionLoops();
    private final PoolLoops pool = new ScalarPoolLoops();
    private final QuantizeLoops quantize = new ScalarQuantizeLoops();
    private final IntGemmLoops intGemm = new ScalarIntGemmLoops();
    private final Int16GemmLoops int16Gemm = new ScalarInt16GemmLoops(64);
    private final ResampleLoops resample = new ScalarResampleLoops();

    private ScalarVectorizationProvider() {
    }

    @Override
    public GemmKernel gemm() {
        return gemm;
    }

    @Override
    public ConvDepthwiseKernel depthwiseConv() {
        return depthwise;
    }

    @Override
    public ConvPointwiseKernel pointwiseConv() {
        return pointwise;
    }

    @Override
    public ConvDirectKernel directConv() {
        return direct;
    }

    @Override
    public ConvFilterLanesKernel filterLanesConv() {
        return filterLanes;
    }

    @Override
    public BinaryFloatLoops binaryFloat() {
        return binaryFloat;
    }

    @Override
    public UnaryFloatLoops unaryFloat() {
        return unaryFloat;
    }

    @Override
    public EpilogueLoops epilogue() {
        return epilogue;
    }

    @Override
    public NormLoops norm() {
        return norm;
    }

    @Override
    public ReductionLoops reductions() {
        return reductions;
    }

    @Override
    public PoolLoops pool() {
        return pool;
    }

    @Override
    public QuantizeLoops quantize() {
        return quantize;
    }

    @Override
    public IntGemmLoops intGemm() {
        return intGemm;
    }

    @Override
    public Int16GemmLoops int16Gemm() {
        return int16Gemm;
    }

    @Override
    public ResampleLoops resample() {
        return resample;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
