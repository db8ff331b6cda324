package io.vitprune.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir
    Path temp;

    @Test
    void theTestSplitHasAThousandImagesPerClass() {
        Cifar10 test = Cifar10.load(TestData.cifarDirectory(), Cifar10.Split.TEST);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(classCounts(test)).containsOnly(1_000);
    }

    @Test
    void aTruncatedFileNamesItselfAndTheExpectedSize() throws IOException {
        Path truncated = temp.resolve("test_batch.bin");
        try (InputStream in = Files.newInputStream(TestData.cifarDirectory().resolve("test_batch.bin"))) {
            Files.write(truncated, in.readNBytes(Cifar10.RECORD * 5 + 100));
        }
        assertThatThrownBy(() -> Cifar10.load(temp, Cifar10.Split.TEST))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("has 15465 bytes")
                .hasMessageContaining("30,730,000 bytes");
        assertThatThrownBy(() -> Cifar10.read(truncated))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("multiple of 3,073 bytes");
    }

    @Test
    void emptyMissingAndDirectoryInputsFailClearly() throws IOException {
        Path empty = Files.createFile(temp.resolve("empty.bin"));
        assertReadFails(empty, "has 0 bytes");
        assertReadFails(temp.resolve("missing.bin"), "does not exist");
        assertReadFails(temp, "is a directory");
        assertThatThrownBy(() -> Cifar10.load(temp.resolve("nowhere"), Cifar10.Split.TEST))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nowhere")
                .hasMessageContaining("test_batch.bin");
    }

    @Test
    void aLabelOutsideZeroToNineFails() throws IOException {
        byte[] records = new byte[2 * Cifar10.RECORD];
        records[0] = 3;
        records[Cifar10.RECORD] = (byte) 200;
        Path file = temp.resolve("bad-label.bin");
        Files.write(file, records);
        assertReadFails(file, "record 1 has label 200", "expected 0-9");
    }

    @Test
    void aWrittenSampleReadsBack() throws IOException {
        Cifar10 sample = Cifar10.load(TestData.cifarDirectory(), Cifar10.Split.TEST).limit(7);
        Path file = temp.resolve("sample.bin");
        sample.write(file);
        Cifar10 read = Cifar10.read(file);
        assertThat(read.size()).isEqualTo(7);
        assertThat(read.pixelArray()).isEqualTo(sample.pixelArray());
        assertThat(labels(read)).isEqualTo(labels(sample));
    }

    @Test
    void balancedSamplesHaveEqualClassesAndAreDeterministic() {
        Cifar10 test = Cifar10.load(TestData.cifarDirectory(), Cifar10.Split.TEST);
        Cifar10 sample = test.balancedSample(100, 5);
        assertThat(sample.size()).isEqualTo(1_000);
        assertThat(classCounts(sample)).containsOnly(100);
        Cifar10 again = test.balancedSample(100, 5);
        assertThat(again.pixelArray()).isEqualTo(sample.pixelArray());
        assertThat(labels(again)).isEqualTo(labels(sample));
        assertThat(test.balancedSample(100, 6).pixelArray()).isNotEqualTo(sample.pixelArray());
        assertThatThrownBy(() -> test.balancedSample(1_001, 5)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void normalisedBatchesHaveChannelMeansNearZeroAndUnitSpread() {
        Cifar10 images = Cifar10.load(TestData.cifarDirectory(), Cifar10.Split.TEST).randomSample(2_000, 1);
        double[] sum = new double[3];
        double[] squares = new double[3];
        long perChannel = 0;
        Batches.Epoch epoch = Batches.epoch(images, 500, Batches.Order.SEQUENTIAL);
        try (NDManager manager = NDManager.newBaseManager()) {
            while (epoch.hasNext()) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray batch = epoch.next(scope).get(0);
                    for (int c = 0; c < 3; c++) {
                        NDArray channel = batch.get(":, {}, :, :", c);
                        sum[c] += channel.sum().getFloat();
                        squares[c] += channel.square().sum().getFloat();
                    }
                    perChannel += batch.getShape().get(0) * Cifar10.SIDE * Cifar10.SIDE;
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            double mean = sum[c] / perChannel;
            // The statistics are the training split's; a test sample differs from them by a few hundredths.
            assertThat(mean).as("channel %d mean", c).isBetween(-0.05, 0.05);
            assertThat(Math.sqrt(squares[c] / perChannel - mean * mean)).as("channel %d std", c).isBetween(0.9, 1.1);
        }
    }

    @Test
    void augmentationIsDeterministicForASeedAndDiffersBetweenSeeds() {
        Cifar10 images = Cifar10.load(TestData.cifarDirectory(), Cifar10.Split.TEST).limit(64);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList first = Batches.epoch(images, 64, Batches.Order.training(9)).next(manager);
            NDList again = Batches.epoch(images, 64, Batches.Order.training(9)).next(manager);
            NDList other = Batches.epoch(images, 64, Batches.Order.training(10)).next(manager);
            NDList plain = Batches.epoch(images, 64, Batches.Order.SEQUENTIAL).next(manager);
            assertThat(first.get(0).toFloatArray()).isEqualTo(again.get(0).toFloatArray());
            assertThat(first.get(1).toLongArray()).isEqualTo(again.get(1).toLongArray());
            assertThat(first.get(0).toFloatArray()).isNotEqualTo(other.get(0).toFloatArray());
            // Shuffling permutes the images; augmentation changes them, so the batch differs from the plain one.
            assertThat(sorted(first.get(1).toLongArray())).isEqualTo(sorted(plain.get(1).toLongArray()));
            assertThat(first.get(0).toFloatArray()).isNotEqualTo(plain.get(0).toFloatArray());
        }
    }

    private static void assertReadFails(Path file, String... fragments) {
        assertThatThrownBy(() -> Cifar10.read(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file.toString())
                .message()
                .contains(fragments);
    }

    private static int[] classCounts(Cifar10 data) {
        int[] counts = new int[Cifar10.CLASSES];
        for (int i = 0; i < data.size(); i++) {
            counts[data.label(i)]++;
        }
        return counts;
    }

    private static int[] labels(Cifar10 data) {
        int[] labels = new int[data.size()];
        Arrays.setAll(labels, data::label);
        return labels;
    }

    private static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
