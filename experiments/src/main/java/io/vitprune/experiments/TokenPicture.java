package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.tokens.TokenPrunedModel;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;

/** Test images with the patches a token-pruned model dropped greyed out, one column per stage, as a PNG. */
public final class TokenPicture {
    static final int SCALE = 4;
    static final String[] CLASSES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

    private TokenPicture() {
    }

    /** Rows: images; columns: the image, then the tokens kept after each stage (dropped patches greyed), with the predicted class. */
    public static void write(TokenPrunedModel model, Cifar10 images, Path out) throws java.io.IOException {
        List<long[][]> kept = new ArrayList<>();
        int[] predicted = new int[images.size()];
        try (NDManager scope = model.newScope()) {
            NDList batch = Batches.epoch(images, images.size(), Batches.Order.SEQUENTIAL).next(scope);
            TokenPrunedModel.Pass pass = model.forward(batch.get(0), true);
            for (NDArray stage : pass.keptPatches()) {
                long n = stage.getShape().get(1);
                long[] flat = stage.toLongArray();
                long[][] perImage = new long[images.size()][];
                for (int i = 0; i < perImage.length; i++) {
                    perImage[i] = java.util.Arrays.copyOfRange(flat, (int) (i * n), (int) ((i + 1) * n));
                }
                kept.add(perImage);
            }
            long[] argmax = pass.logits().argMax(-1).toLongArray();
            for (int i = 0; i < predicted.length; i++) {
                predicted[i] = (int) argmax[i];
            }
        }
        int side = Cifar10.SIDE * SCALE;
        int gap = 6;
        int header = 22;
        int caption = 16;
        int columns = 1 + kept.size();
        BufferedImage picture = new BufferedImage(columns * (side + gap) + gap, header + images.size() * (side + caption + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, picture.getWidth(), picture.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int patchesPerSide = model.backbone().config().patchesPerSide();
        int patchPixels = Cifar10.SIDE / patchesPerSide;
        g.drawString("image", gap, 15);
        for (int s = 0; s < kept.size(); s++) {
            g.drawString(String.format("block %d: %d kept", model.pruning().stages().get(s), kept.get(s)[0].length), gap + (s + 1) * (side + gap), 15);
        }
        for (int i = 0; i < images.size(); i++) {
            byte[] pixels = images.pixels(i);
            int y0 = header + i * (side + caption + gap);
            for (int c = 0; c < columns; c++) {
                Set<Integer> keep = new HashSet<>();
                if (c > 0) {
                    for (long p : kept.get(c - 1)[i]) {
                        keep.add((int) p);
                    }
                }
                int x0 = gap + c * (side + gap);
                for (int y = 0; y < Cifar10.SIDE; y++) {
                    for (int x = 0; x < Cifar10.SIDE; x++) {
                        int patch = (y / patchPixels) * patchesPerSide + x / patchPixels;
                        boolean dropped = c > 0 && !keep.contains(patch);
                        int rgb = 0;
                        for (int ch = 0; ch < 3; ch++) {
                            int v = pixels[ch * Cifar10.SIDE * Cifar10.SIDE + y * Cifar10.SIDE + x] & 0xff;
                            if (dropped) {
                                v = (int) (0.25 * v + 0.75 * 215);
                            }
                            rgb = (rgb << 8) | v;
                        }
                        for (int dy = 0; dy < SCALE; dy++) {
                            for (int dx = 0; dx < SCALE; dx++) {
                                picture.setRGB(x0 + x * SCALE + dx, y0 + y * SCALE + dy, rgb);
                            }
                        }
                    }
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(String.format("%s -> %s", CLASSES[images.label(i)], predicted[i] < CLASSES.length ? CLASSES[predicted[i]] : "?"),
                    gap, y0 + side + caption - 3);
        }
        g.dispose();
        AtomicFiles.write(out, stream -> ImageIO.write(picture, "png", stream));
    }
}
