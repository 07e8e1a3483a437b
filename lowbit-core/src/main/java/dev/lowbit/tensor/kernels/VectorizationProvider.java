package dev.lowbit.tensor.kernels;

/**
 * Picks the kernel implementations: Vector API (Panama) ones when the {@code jdk.incubator.vector}
 * module is present, plain Java otherwise.
 *
 * <p>System properties (read once): {@code lowbit.vectorization=scalar} forces the plain-Java
 * kernels; {@code lowbit.vector.bits=128|256|512} narrows the vector species (default: the CPU's
 * preferred width) — tests use both to exercise every code path.
 */
public abstract class VectorizationProvider {
    private static final VectorizationProvider DEFAULT = select();

    /** The provider kernels use by default. */
    public static VectorizationProvider get() {
        return DEFAULT;
    }

    /** The plain-Java provider, available everywhere (tests compare the fast one against it). */
    public static VectorizationProvider scalar() {
        return ScalarHolder.INSTANCE;
    }

    /** The GEMM implementation. */
    public abstract GemmKernel gemm();

    /** The direct depthwise 2-D convolution implementation. */
    public abstract ConvDepthwiseKernel depthwiseConv();

    /** The direct (im2col-free) 2-D convolution implementation. */
    public abstract ConvDirectKernel directConv();

    public abstract String name();

    private static VectorizationProvider select() {
        if ("scalar".equals(System.getProperty("lowbit.vectorization"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return scalar();
        }
        return new Panama();
    }

    private static final class ScalarHolder {
        static final VectorizationProvider INSTANCE = new VectorizationProvider() {
            private final GemmKernel gemm = new GemmScalarKernel();
            private final ConvDepthwiseKernel depthwise = new ConvDepthwiseScalar();
            private final ConvDirectKernel direct = new ConvDirectScalar();

            @Override
            public ConvDirectKernel directConv() {
                return direct;
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
            public String name() {
                return "scalar";
            }
        };
    }

    private static final class Panama extends VectorizationProvider {
        private final GemmKernel gemm = new GemmPanamaKernel();
        private final ConvDepthwiseKernel depthwise = new ConvDepthwisePanama();
        private final ConvDirectKernel direct = new ConvDirectPanama();

        @Override
        public ConvDirectKernel directConv() {
            return direct;
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
        public String name() {
            return "panama-" + PanamaVectorKernels.SPECIES.vectorBitSize();
        }
    }
}
