package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.BinaryFloatKernels;
import dev.lowbit.tensor.kernels.BinaryFloatKernels.Op;
import dev.lowbit.tensor.kernels.BinaryFloatLoops;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Binary float rows on the Vector API: vector-vector, vector-scalar and scalar-vector loops with a
 * scalar tail. The per-op loops are spelled out because a Vector API operator passed as a variable
 * is not intrinsified by the JIT.
 */
final class PanamaBinaryFloatLoops implements BinaryFloatLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();

    @Override
    public void row(Op op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n) {
        int i = 0;
        if ((as | bs) != 0) {
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.add(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.add(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.add(y).intoArray(o, oo + i);
                        }
                    }
                }
                case SUB -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.sub(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.sub(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.sub(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MUL -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.mul(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.mul(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.mul(y).intoArray(o, oo + i);
                        }
                    }
                }
                case DIV -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.div(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.div(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.div(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MIN -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.min(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.min(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.min(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MAX -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.max(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.max(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.max(y).intoArray(o, oo + i);
                        }
                    }
                }
                case PRELU -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    }
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = BinaryFloatKernels.scalar(op, a[ao + i * as], b[bo + i * bs]);
        }
    }
}
