package io.vitprune.core.data;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * CIFAR-10 images in memory, read from files in the official binary layout: records of one label
 * byte and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32 x 32 row-major).
 */
public final class Cifar10 implements TrainingImages {
    public static final int SIDE = 32;
    public static final int PIXELS = 3 * SIDE * SIDE;
    public static final int RECORD = 1 + PIXELS;
    public static final int CLASSES = 10;
    /** Records in each official file. */
    public static final int RECORDS_PER_FILE = 10_000;

    /** Which official files a split reads. */
    public enum Split {
        TRAIN(List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin")),
        TEST(List.of("test_batch.bin"));

        private final List<String> files;

        Split(List<String> files) {
            this.files = files;
        }

        public List<String> files() {
            return files;
        }
    }

    private final byte[] labels;
    private final byte[] pixels;
    private String identity;

    private Cifar10(byte[] labels, byte[] pixels) {
        this.labels = labels;
        this.pixels = pixels;
    }

    /**
     * The SHA-256 of these images and labels (hex), whichever files or limit they came from: what a
     * run's record keeps, so that a resume on other data is refused.
     */
    @Override
    public synchronized String identity() {
        if (identity == null) {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                digest.update(labels);
                digest.update(pixels);
                identity = HexFormat.of().formatHex(digest.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return identity;
    }

    /** Reads a split from a directory holding the official files; each must be exactly 10,000 records. */
    public static Cifar10 load(Path directory, Split split) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidInputException("CIFAR-10 directory " + directory + ": expected a directory holding "
                    + String.join(", ", split.files()) + " (set it with --data or -Dvitprune.cifar10.dir)");
        }
        List<Cifar10> parts = new ArrayList<>();
        for (String name : split.files()) {
            Path file = directory.resolve(name);
            requireSize(file, (long) RECORDS_PER_FILE * RECORD, "exactly 30,730,000 bytes (10,000 records of 3,073 bytes)");
            parts.add(read(file));
        }
        return concat(parts);
    }

    /** Reads any file of whole records (for example a sample written by {@link #write}). */
    public static Cifar10 read(Path file) {
        long size = requireSize(file, -1, "a non-empty multiple of 3,073 bytes (CIFAR-10 binary records)");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException("CIFAR-10 file " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        int count = (int) (size / RECORD);
        byte[] labels = new byte[count];
        byte[] pixels = new byte[count * PIXELS];
        for (int i = 0; i < count; i++) {
            int label = bytes[i * RECORD];
            if (label < 0 || label >= CLASSES) {
                throw new InvalidInputException("CIFAR-10 file " + file + ": record " + i + " has label " + (label & 0xff)
                        + ", expected 0-9 (is this a CIFAR-10 binary file?)");
            }
            labels[i] = (byte) label;
            System.arraycopy(bytes, i * RECORD + 1, pixels, i * PIXELS, PIXELS);
        }
        return new Cifar10(labels, pixels);
    }

    private static long requireSize(Path file, long exact, String expected) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException("CIFAR-10 file " + file + " is a directory: expected " + expected);
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("CIFAR-10 file " + file + " does not exist: expected " + expected);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new InvalidInputException("CIFAR-10 file " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        boolean ok = exact >= 0 ? size == exact : size > 0 && size % RECORD == 0;
        if (!ok) {
            throw new InvalidInputException("CIFAR-10 file " + file + " has " + size + " bytes: expected " + expected
                    + "; the file is truncated or not CIFAR-10");
        }
        return size;
    }

    private static Cifar10 concat(List<Cifar10> parts) {
        int total = parts.stream().mapToInt(Cifar10::size).sum();
        byte[] labels = new byte[total];
        byte[] pixels = new byte[total * PIXELS];
        int at = 0;
        for (Cifar10 part : parts) {
            System.arraycopy(part.labels, 0, labels, at, part.size());
            System.arraycopy(part.pixels, 0, pixels, at * PIXELS, part.size() * PIXELS);
            at += part.size();
        }
        return new Cifar10(labels, pixels);
    }

    @Override
    public Batches.Epoch epoch(int batchSize, Batches.Order order) {
        return Batches.epoch(this, batchSize, order);
    }

    /** CIFAR-10 as vitprune feeds it: 32 x 32, normalised with the training split's mean and standard deviation. */
    @Override
    public Preprocessing preprocessing() {
        return Preprocessing.CIFAR10;
    }

    @Override
    public int size() {
        return labels.length;
    }

    public int label(int index) {
        return labels[index];
    }

    /** A copy of image {@code index}'s raw pixels (3 x 32 x 32 bytes, planes R, G, B), e.g. for pictures. */
    public byte[] pixels(int index) {
        return java.util.Arrays.copyOfRange(pixels, index * PIXELS, (index + 1) * PIXELS);
    }

    /** The raw pixel bytes of one image, planes R, G, B. */
    byte[] pixelArray() {
        return pixels;
    }

    /** The first {@code count} images (all of them when count >= size). */
    public Cifar10 limit(int count) {
        if (count <= 0) {
            throw new InvalidInputException("image limit " + count + ": expected > 0");
        }
        return count >= size() ? this : subset(java.util.stream.IntStream.range(0, count).toArray());
    }

    public Cifar10 subset(int[] indices) {
        byte[] subLabels = new byte[indices.length];
        byte[] subPixels = new byte[indices.length * PIXELS];
        for (int i = 0; i < indices.length; i++) {
            subLabels[i] = labels[indices[i]];
            System.arraycopy(pixels, indices[i] * PIXELS, subPixels, i * PIXELS, PIXELS);
        }
        return new Cifar10(subLabels, subPixels);
    }

    /** {@code perClass} images of every class, chosen at random with {@code seed}, in file order. */
    public Cifar10 balancedSample(int perClass, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < size(); i++) {
            byClass.get(labels[i]).add(i);
        }
        Random random = new Random(seed);
        List<Integer> chosen = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            List<Integer> members = byClass.get(c);
            if (members.size() < perClass) {
                throw new InvalidInputException("balanced sample of " + perClass + " per class: class " + c + " has only " + members.size() + " images");
            }
            java.util.Collections.shuffle(members, random);
            chosen.addAll(members.subList(0, perClass));
        }
        int[] indices = chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
        return subset(indices);
    }

    /** A random sample of {@code count} images drawn with {@code seed} (e.g. a scoring set). */
    public Cifar10 randomSample(int count, long seed) {
        if (count <= 0 || count > size()) {
            throw new InvalidInputException("sample of " + count + " images: expected 1 to " + size());
        }
        int[] order = permutation(size(), new Random(seed));
        int[] indices = Arrays.copyOf(order, count);
        Arrays.sort(indices);
        return subset(indices);
    }

    /** Writes the images in the official binary layout (to a temporary name, then renamed). */
    public void write(Path file) throws IOException {
        byte[] bytes = new byte[size() * RECORD];
        for (int i = 0; i < size(); i++) {
            bytes[i * RECORD] = labels[i];
            System.arraycopy(pixels, i * PIXELS, bytes, i * RECORD + 1, PIXELS);
        }
        io.vitprune.core.io.AtomicFiles.write(file, bytes);
    }

    static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
