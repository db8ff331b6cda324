package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** {@link ScoringData#of}: images and labels held as heap arrays. */
record InMemoryScoringData(float[] pixels, long[] labels, Shape imageShape) implements ScoringData {
    static InMemoryScoringData copyOf(NDArray images, NDArray labels) {
        requireNonNull(images, "images are null");
        requireNonNull(labels, "labels are null");
        Shape shape = images.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 3) {
            throw new InvalidInputException("scoring images of shape " + shape + ": expected (n, 3, height, width)");
        }
        if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != shape.get(0)) {
            throw new InvalidInputException("scoring labels of shape " + labels.getShape() + ": expected (" + shape.get(0) + "), one per image");
        }
        if (!labels.getDataType().isInteger()) {
            throw new InvalidInputException("scoring labels of type " + labels.getDataType() + ": expected class indices (an integer type)");
        }
        if (shape.get(0) == 0) {
            throw new InvalidInputException("scoring data with no images: expected at least one");
        }
        float[] pixels = images.toType(DataType.FLOAT32, false).toFloatArray();
        long[] classes = labels.toType(DataType.INT64, false).toLongArray();
        return new InMemoryScoringData(pixels, classes, new Shape(shape.get(1), shape.get(2), shape.get(3)));
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public NDList batch(NDManager manager, int from, int to) {
        if (from < 0 || to > size() || from >= to) {
            throw new IllegalArgumentException("batch [" + from + ", " + to + ") of " + size() + " scoring images");
        }
        int perImage = (int) imageShape.size();
        return new NDList(
                manager.create(Arrays.copyOfRange(pixels, from * perImage, to * perImage), new Shape(to - from).addAll(imageShape)),
                manager.create(Arrays.copyOfRange(labels, from, to)));
    }
}
