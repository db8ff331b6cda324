package io.vitprune.core.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ScoringData;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Labelled images in the usual folder layout, one sub-folder per class, JPEG or PNG files: labels
 * are the folders' numbers when every folder is named by one (e.g. {@code 0}, {@code 207}: the
 * model's class indices), else their positions in name order (0, 1, ...); preprocessed as a model's {@link Preprocessing} says: the
 * shorter side resized to {@code resize} (Java2D's bicubic or bilinear interpolation: close to, not
 * bit-equal with, PIL's that timm uses), a centre crop of {@code size}, then
 * {@code (x / 255 - mean) / std}. For training ({@link Batches.Order#augment}) the crop is taken at
 * a random place and flipped horizontally at random. Images are decoded batch by batch, so memory does not grow with
 * the folder. Java's ImageIO reads the files (no dependency; DJL's image support would add one).
 */
public final class ImageFolder implements ScoringData, TrainingImages {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private final Preprocessing preprocessing;
    private String identity;

    private ImageFolder(List<String> classes, List<Path> files, int[] labels, Preprocessing preprocessing) {
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.preprocessing = preprocessing;
    }

    /** Every image of {@code directory}'s class sub-folders; fails naming the folder when it holds no class or no image. */
    public static ImageFolder open(Path directory, Preprocessing preprocessing) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidInputException("image folder " + directory + ": expected a directory with one sub-folder of images per class");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> folders = entries.filter(Files::isDirectory).sorted().toList();
            boolean numbered = !folders.isEmpty() && folders.stream().allMatch(folder -> folder.getFileName().toString().matches("\\d{1,6}"));
            for (Path folder : folders) {
                try (Stream<Path> images = Files.list(folder)) {
                    List<Path> found = images.filter(ImageFolder::isImage).sorted().toList();
                    int label = numbered ? Integer.parseInt(folder.getFileName().toString()) : classes.size();
                    classes.add(folder.getFileName().toString());
                    found.forEach(file -> {
                        files.add(file);
                        labels.add(label);
                    });
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("image folder " + directory + ": cannot be listed (" + e.getMessage() + ")", e);
        }
        if (classes.isEmpty() || files.isEmpty()) {
            throw new InvalidInputException("image folder " + directory + " has " + classes.size() + " class folders and " + files.size()
                    + " images: expected class sub-folders holding " + String.join(" / ", EXTENSIONS) + " files");
        }
        return new ImageFolder(List.copyOf(classes), List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(), preprocessing);
    }

    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return files.size();
    }

    /** {@code count} images drawn without replacement with {@code seed} (all of them when there are fewer), in their folder order. */
    public ImageFolder sample(int count, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        List<Integer> chosen = order.subList(0, Math.min(count, order.size())).stream().sorted().toList();
        return new ImageFolder(classes, chosen.stream().map(files::get).toList(), chosen.stream().mapToInt(i -> labels[i]).toArray(),
                preprocessing);
    }

    @Override
    public NDList batch(NDManager manager, int from, int to) {
        return batch(manager, java.util.stream.IntStream.range(from, to).toArray(), null);
    }

    @Override
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    @Override
    public Batches.Epoch epoch(int batchSize, Batches.Order order) {
        Random random = new Random(order.seed());
        List<Integer> shuffled = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            shuffled.add(i);
        }
        if (order.shuffle()) {
            java.util.Collections.shuffle(shuffled, random);
        }
        int[] indices = shuffled.stream().mapToInt(Integer::intValue).toArray();
        return Batches.over(indices, batchSize, order.augment() ? random : null,
                (manager, walk, from, to, augment) -> batch(manager, java.util.Arrays.copyOfRange(walk, from, to), augment));
    }

    /** The SHA-256 of every file's bytes and label, in order. */
    @Override
    public synchronized String identity() {
        if (identity == null) {
            try {
                java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
                for (int i = 0; i < files.size(); i++) {
                    digest.update(Files.readAllBytes(files.get(i)));
                    digest.update(java.nio.ByteBuffer.allocate(4).putInt(labels[i]).array());
                }
                identity = java.util.HexFormat.of().formatHex(digest.digest());
            } catch (IOException e) {
                throw new InvalidInputException("image folder: a file cannot be read (" + e.getMessage() + ")", e);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return identity;
    }

    private NDList batch(NDManager manager, int[] indices, Random augment) {
        int size = preprocessing.size();
        int pixels = 3 * size * size;
        float[] values = new float[indices.length * pixels];
        long[] batchLabels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            preprocess(read(files.get(indices[i])), values, i * pixels, augment);
            batchLabels[i] = labels[indices[i]];
        }
        return new NDList(manager.create(values, new Shape(indices.length, 3, size, size)), manager.create(batchLabels));
    }

    private void preprocess(BufferedImage image, float[] into, int offset, Random augment) {
        int size = preprocessing.size();
        double scale = (double) preprocessing.resize() / Math.min(image.getWidth(), image.getHeight());
        int width = Math.max(size, (int) Math.round(image.getWidth() * scale));
        int height = Math.max(size, (int) Math.round(image.getHeight() * scale));
        BufferedImage resized = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = resized.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, switch (preprocessing.interpolation()) {
            case "bicubic" -> RenderingHints.VALUE_INTERPOLATION_BICUBIC;
            case "nearest" -> RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR;
            default -> RenderingHints.VALUE_INTERPOLATION_BILINEAR;
        });
        graphics.drawImage(image, 0, 0, width, height, null);
        graphics.dispose();
        int left = augment == null ? (width - size) / 2 : augment.nextInt(width - size + 1);
        int top = augment == null ? (height - size) / 2 : augment.nextInt(height - size + 1);
        boolean flip = augment != null && augment.nextBoolean();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = resized.getRGB(left + (flip ? size - 1 - x : x), top + y);
                for (int c = 0; c < 3; c++) {
                    int value = (rgb >> (16 - 8 * c)) & 0xff;
                    into[offset + (c * size + y) * size + x] = (float) ((value / 255.0 - preprocessing.mean().get(c)) / preprocessing.std().get(c));
                }
            }
        }
    }

    private static BufferedImage read(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new InvalidInputException("image " + file + ": not a readable PNG or JPEG");
            }
            return image;
        } catch (IOException e) {
            throw new InvalidInputException("image " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(file) && EXTENSIONS.stream().anyMatch(name::endsWith);
    }
}
