package io.vitprune.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Turns {@link Cifar10} images into normalised float batches, optionally shuffled and augmented
 * (random crop from the image padded by 4 zero pixels, random horizontal flip). Pixels are
 * prepared in Java and copied to the device once per batch.
 */
public final class Batches {
    static final float[] MEAN = toArray(Preprocessing.CIFAR10.mean());
    static final float[] STD = toArray(Preprocessing.CIFAR10.std());
    static final int PAD = 4;

    private Batches() {
    }

    private static float[] toArray(java.util.List<Double> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i).floatValue();
        }
        return array;
    }

    /** How to walk the data: in order, or shuffled and augmented with a seed. */
    public record Order(boolean shuffle, boolean augment, long seed) {
        public static final Order SEQUENTIAL = new Order(false, false, 0);

        public static Order training(long seed) {
            return new Order(true, true, seed);
        }
    }

    /** Number of batches, the last one possibly short. */
    public static int count(Cifar10 data, int batchSize) {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /**
     * One pass over {@code data} in {@code order}: call {@link Epoch#next} until
     * {@link Epoch#hasNext} is false. Each batch is {images (n, 3, 32, 32) float32, labels (n)
     * int64}, created in the manager given to {@code next} (typically a per-step scope).
     */
    public static Epoch epoch(Cifar10 data, int batchSize, Order order) {
        Random random = new Random(order.seed());
        int[] indices = order.shuffle() ? Cifar10.permutation(data.size(), random) : identity(data.size());
        return over(indices, batchSize, order.augment() ? random : null,
                (manager, walk, from, to, augment) -> batch(data, walk, from, to, augment, manager));
    }

    /** A walk over labelled images in batches (call {@link #next} while {@link #hasNext}); not thread-safe. */
    public interface Epoch {
        int batches();

        boolean hasNext();

        /** The next batch {images (n, 3, H, W) float32, labels (n) int64}, created in {@code manager}. */
        NDList next(NDManager manager);
    }

    /** Makes the batch of images {@code indices[from, to)}, augmented with {@code augment} unless it is null. */
    interface BatchOf {
        NDList make(NDManager manager, int[] indices, int from, int to, Random augment);
    }

    /**
     * An epoch over {@code indices} (already in the walk's order) in batches of {@code batchSize};
     * {@code augment} (null: none) is the random source the shuffle used, so that one seed decides both.
     */
    static Epoch over(int[] indices, int batchSize, Random augment, BatchOf batches) {
        requirePositive(batchSize);
        return new Epoch() {
            private int next;

            @Override
            public int batches() {
                return (indices.length + batchSize - 1) / batchSize;
            }

            @Override
            public boolean hasNext() {
                return next < indices.length;
            }

            @Override
            public NDList next(NDManager manager) {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(next + batchSize, indices.length);
                NDList batch = batches.make(manager, indices, next, end, augment);
                next = end;
                return batch;
            }
        };
    }

    static void requirePositive(int batchSize) {
        if (batchSize <= 0) {
            throw new io.vitprune.api.InvalidInputException("batch size " + batchSize + ": expected > 0");
        }
    }

    /** Images {@code indices[from, to)}, augmented when {@code random} is not null. */
    static NDList batch(Cifar10 data, int[] indices, int from, int to, Random random, NDManager manager) {
        int n = to - from;
        float[] images = new float[n * Cifar10.PIXELS];
        long[] labels = new long[n];
        byte[] pixels = data.pixelArray();
        int side = Cifar10.SIDE;
        for (int i = 0; i < n; i++) {
            int index = indices[from + i];
            labels[i] = data.label(index);
            int dy = 0;
            int dx = 0;
            boolean flip = false;
            if (random != null) {
                dy = random.nextInt(2 * PAD + 1) - PAD;
                dx = random.nextInt(2 * PAD + 1) - PAD;
                flip = random.nextBoolean();
            }
            for (int c = 0; c < 3; c++) {
                int source = index * Cifar10.PIXELS + c * side * side;
                int target = i * Cifar10.PIXELS + c * side * side;
                float zero = -MEAN[c] / STD[c];
                for (int y = 0; y < side; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < side; x++) {
                        int sx = (flip ? side - 1 - x : x) + dx;
                        images[target + y * side + x] = sy < 0 || sy >= side || sx < 0 || sx >= side
                                ? zero
                                : ((pixels[source + sy * side + sx] & 0xff) / 255f - MEAN[c]) / STD[c];
                    }
                }
            }
        }
        NDArray imageArray = manager.create(images, new Shape(n, 3, side, side));
        NDArray labelArray = manager.create(labels, new Shape(n));
        return new NDList(imageArray, labelArray);
    }

    static int[] identity(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }
}
