package dev.lowbit.tensor.kernels;

import java.lang.reflect.InvocationTargetException;

/**
 * Picks the kernel implementations: Vector API (Panama) ones when the {@code jdk.incubator.vector}
 * module is in the boot layer, plain Java otherwise. Every use of the Vector API lives in
 * {@code dev.lowbit.tensor.kernels.panama}, whose provider is loaded by name only when the module is
 * there, so without it no Panama class is ever loaded and lowbit runs (slower) instead of failing with
 * {@code NoClassDefFoundError}. Kernel facades ({@link Gemm}, {@link BinaryFloatKernels},
 * {@link ConvEpilogue}...) keep the implementation they got from {@link #get()} in a static final
 * field, so the JIT sees one constant receiver and inlines it.
 *
 * <p>System properties, read once when the provider is first used:
 * <ul>
 *   <li>{@code lowbit.vectorization=scalar} forces the plain-Java kernels (quietly).
 *   <li>{@code lowbit.vector.bits=128|256|512} narrows the vector species (default: the CPU's
 *       preferred width). Tests use it and the previous one to exercise every code path.
 *   <li>{@code lowbit.vectorization.quiet=true} silences the one line printed on stderr when the
 *       Vector API is not enabled ({@code lowbit: the Vector API (jdk.incubator.vector) is not
 *       enabled; ...}), for libraries that run without {@code --add-modules jdk.incubator.vector} on
 *       purpose.
 * </ul>
 */
public abstract class VectorizationProvider {
    /** The JDK module the Panama kernels need. */
    public static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** The line printed on stderr, once, when the module is absent (see the class comment). */
    public static final String NOTICE = "lowbit: the Vector API (" + VECTOR_MODULE + ") is not enabled; using plain-Java"
            + " kernels (slower). Add --add-modules " + VECTOR_MODULE + " for full speed.";

    /*
     * Named relative to this package, not as a literal: nothing here may refer to the Panama
     * package at compile time (it depends on this one, and loading it needs the module).
     */
    private static final String PANAMA_PROVIDER =
            VectorizationProvider.class.getPackageName() + ".panama.PanamaVectorizationProvider";

    private static final VectorizationProvider DEFAULT = select();

    /** For the two implementations only (this package's scalar one and the Panama one). */
    protected VectorizationProvider() {
    }

    /** The provider kernels use by default. */
    public static VectorizationProvider get() {
        return DEFAULT;
    }

    /** The plain-Java provider, available everywhere (tests compare the fast one against it). */
    public static VectorizationProvider scalar() {
        return ScalarVectorizationProvider.INSTANCE;
    }

    /** The GEMM implementation. */
    public abstract GemmKernel gemm();

    /** The direct depthwise 2-D convolution implementation. */
    public abstract ConvDepthwiseKernel depthwiseConv();

    /** The 1x1 convolution of small maps straight from and to NCHW. */
    public abstract ConvPointwiseKernel pointwiseConv();

    /** The direct (im2col-free) 2-D convolution implementation. */
    public abstract ConvDirectKernel directConv();

    /** The dense 2-D convolution tile with filters in the lanes ({@link ConvFilterLanes}). */
    public abstract ConvFilterLanesKernel filterLanesConv();

    /** Rows of float binary arithmetic ({@link BinaryFloatKernels}). */
    public abstract BinaryFloatLoops binaryFloat();

    /** Runs of float activations ({@link UnaryFloatKernels}). */
    public abstract UnaryFloatLoops unaryFloat();

    /** Convolution epilogues and clamps ({@link ConvEpilogue}, {@link Clamp}). */
    public abstract EpilogueLoops epilogue();

    /** Normalization and softmax rows ({@link NormFloat}, {@link SoftmaxKernels}). */
    public abstract NormLoops norm();

    /** Float reductions ({@link PoolGlobal}, {@link ReduceFloatKernels}, {@link FloatStats}). */
    public abstract ReductionLoops reductions();

    /** 2-D pooling rows ({@link PoolFloat2d}). */
    public abstract PoolLoops pool();

    /** Quantization, requantization and fake quantization runs ({@link IntQuantize}, {@link FakeQuantKernels}). */
    public abstract QuantizeLoops quantize();

    /** Integer GEMM accumulation ({@link IntGemm}). */
    public abstract IntGemmLoops intGemm();

    /** Int16-run GEMM micro-kernel for narrow operands ({@link Int16Gemm}). */
    public abstract Int16GemmLoops int16Gemm();

    /** Strided copies and row blends ({@link StridedRowCopy}, {@link ResizeKernels}). */
    public abstract ResampleLoops resample();

    /** "scalar", or "panama-" and the float vector width in bits. */
    public abstract String name();

    private static VectorizationProvider select() {
        if ("scalar".equals(System.getProperty("lowbit.vectorization"))) {
            return scalar(); // asked for: no notice
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            if (!Boolean.getBoolean("lowbit.vectorization.quiet")) {
                System.err.println(NOTICE);
            }
            return scalar();
        }
        try {
            return (VectorizationProvider) Class.forName(PANAMA_PROVIDER).getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ExceptionInInitializerError init
                    && init.getCause() instanceof RuntimeException badSetting) {
                throw badSetting; // e.g. lowbit.vector.bits=100: a mistake to report, not to work around
            }
            return unusable(e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            return unusable(e);
        }
    }

    /** The module is there but lowbit cannot use it (e.g. lowbit's own module does not read it). */
    private static VectorizationProvider unusable(Throwable why) {
        if (!Boolean.getBoolean("lowbit.vectorization.quiet")) {
            System.err.println("lowbit: the Vector API could not be loaded (" + why + "); using plain-Java kernels"
                    + " (slower).");
        }
        return scalar();
    }
}
