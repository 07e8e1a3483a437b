package dev.lowbit.tensor;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Float arrays without the JVM's zeroing, for kernel outputs that write every element anyway (a
 * convolution's output): zeroing is a serial pass over memory in the allocating thread, about a
 * tenth of a small CNN's run. Uses the JDK's internal Unsafe when the launcher exports it
 * ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}); otherwise plain, zeroed arrays,
 * silently: the export is checked once, when this class initialises. Callers must overwrite every
 * element: the contents are arbitrary.
 */
public final class UninitializedArrays {
    private static final Object UNSAFE = unsafe();
    private static final MethodHandle ALLOCATE = find(UNSAFE);

    private UninitializedArrays() {
    }

    /** Whether arrays really come uninitialized (the export is present). */
    public static boolean available() {
        return ALLOCATE != null;
    }

    /** A float[n] whose contents are arbitrary (zeros when the fast path is unavailable). */
    public static float[] floats(int n) {
        if (ALLOCATE != null && n > 0) {
            try {
                return (float[]) ALLOCATE.invokeExact(float.class, n);
            } catch (Throwable e) {
                // fall through to a plain array
            }
        }
        return new float[n];
    }

    private static Object unsafe() {
        if (!Object.class.getModule().isExported("jdk.internal.misc", UninitializedArrays.class.getModule())) {
            return null; // the usual case for library users: no need to provoke an IllegalAccessException
        }
        try {
            return Class.forName("jdk.internal.misc.Unsafe").getMethod("getUnsafe").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // exported but unusable (another JDK's Unsafe): plain arrays
        }
    }

    /** Unsafe.allocateUninitializedArray bound to the Unsafe instance, typed (Class, int) -> float[]. */
    private static MethodHandle find(Object unsafe) {
        if (unsafe == null) {
            return null;
        }
        try {
            MethodHandle h = MethodHandles.lookup().findVirtual(unsafe.getClass(), "allocateUninitializedArray",
                    MethodType.methodType(Object.class, Class.class, int.class)).bindTo(unsafe);
            h = h.asType(MethodType.methodType(float[].class, Class.class, int.class));
            float[] probe = (float[]) h.invokeExact(float.class, 1);
            return probe.length == 1 ? h : null;
        } catch (Throwable e) {
            return null;
        }
    }
}
