package io.vitprune.strategies.distill;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.ScoringData;
import java.util.Arrays;
import java.util.Random;

/** Standard-normal images with random labels in [0, 10), reproducible from a seed. */
record RandomScoringData(int size, int imageSize, float[] pixels, long[] labels) implements ScoringData {
    static RandomScoringData of(int size, int imageSize, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[size * 3 * imageSize * imageSize];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        long[] labels = new long[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(10);
        }
        return new RandomScoringData(size, imageSize, pixels, labels);
    }

    /** Images {@code first}, {@code first + step}, ... of this set. */
    RandomScoringData every(int step, int first) {
        int pixelsPerImage = 3 * imageSize * imageSize;
        int count = (size - first + step - 1) / step;
        float[] chosenPixels = new float[count * pixelsPerImage];
        long[] chosenLabels = new long[count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(pixels, (first + i * step) * pixelsPerImage, chosenPixels, i * pixelsPerImage, pixelsPerImage);
            chosenLabels[i] = labels[first + i * step];
        }
        return new RandomScoringData(count, imageSize, chosenPixels, chosenLabels);
    }

    @Override
    public NDList batch(NDManager manager, int from, int to) {
        int pixelsPerImage = 3 * imageSize * imageSize;
        return new NDList(
                manager.create(Arrays.copyOfRange(pixels, from * pixelsPerImage, to * pixelsPerImage), new Shape(to - from, 3, imageSize, imageSize)),
                manager.create(Arrays.copyOfRange(labels, from, to)));
    }
}
