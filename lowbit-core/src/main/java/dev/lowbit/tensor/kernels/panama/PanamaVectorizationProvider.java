package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.BinaryFloatLoops;
import dev.lowbit.tensor.kernels.ConvDepthwiseKernel;
import dev.lowbit.tensor.kernels.ConvDirectKernel;
import dev.lowbit.tensor.kernels.ConvFilterLanesKernel;
import dev.lowbit.tensor.kernels.ConvPointwiseKernel;
import dev.lowbit.tensor.kernels.EpilogueLoops;
import dev.lowbit.tensor.kernels.GemmKernel;
import dev.lowbit.tensor.kernels.Int16GemmLoops;
import dev.lowbit.tensor.kernels.IntGemmLoops;
import dev.lowbit.tensor.kernels.NormLoops;
import dev.lowbit.tensor.kernels.PoolLoops;
import dev.lowbit.tensor.kernels.QuantizeLoops;
import dev.lowbit.tensor.kernels.ReductionLoops;
import dev.lowbit.tensor.kernels.ResampleLoops;
import dev.lowbit.tensor.kernels.UnaryFloatLoops;
import dev.lowbit.tensor.kernels.VectorizationProvider;

/**
 * The Vector API kernels. Not API: {@link VectorizationProvider} instantiates this class by name, and
 * only when the {@code jdk.incubator.vector} module is in the boot layer (loading any class of this
 * package without it fails).
 */
public final class PanamaVectorizationProvider extends VectorizationProvider {
    private final GemmKernel gemm = new GemmPanamaKernel();
    private final ConvDepthwiseKernel depthwise = new ConvDepthwisePanama();
    private final ConvDirectKernel direct = new ConvDirectPanama();
    private final ConvFilterLanesKernel filterLanes = new ConvFilterLanesPanama();
    private final ConvPointwiseKernel pointwise = new ConvPointwisePanama();
    private final BinaryFloatLoops binaryFloat = new PanamaBinaryFloatLoops();
    private final UnaryFloatLoops unaryFloat = new PanamaUnaryFloatLoops();
    private final EpilogueLoops epilogue = new PanamaEpilogueLoops();
    private final NormLoops norm = new PanamaNormLoops();
    private final ReductionLoops reductions = new PanamaReductionLoops();
    private final PoolLoops pool = new PanamaPoolLoops();
    private final QuantizeLoops quantize = new PanamaQuantizeLoops();
    private final IntGemmLoops intGemm = new PanamaIntGemmLoops();
    private final Int16GemmLoops int16Gemm = new PanamaInt16GemmLoops();
    private final ResampleLoops resample = new PanamaResampleLoops();

    /** Public for {@link VectorizationProvider}'s reflective lookup only. */
    public PanamaVectorizationProvider() {
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
        return "panama-" + PanamaSpecies.FLOAT.vectorBitSize();
    }
}
