package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.OutputGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Draws the curves of a training history.csv (loss, train and test top-1 per epoch) as a PNG. */
@Command(name = "plot-history", description = "Plot a training history.csv (loss and top-1 per epoch) as PNG.")
final class PlotHistoryCommand implements Callable<Integer> {
    @Option(names = "--history", required = true)
    Path history;

    @Option(names = "--out", required = true, description = "PNG file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--history", history).file("--out", png()).verify();
        List<String> lines = Files.readAllLines(history);
        if (lines.size() < 2 || !lines.get(0).startsWith("epoch,train_loss,train_top1,test_top1")) {
            throw new InvalidInputException("history " + history + ": expected a history.csv written by 'train' with at least one epoch");
        }
        List<Double> epochs = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        List<Double> trainTop1 = new ArrayList<>();
        List<Double> testTop1 = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            epochs.add(Double.parseDouble(cells[0]));
            loss.add(Double.parseDouble(cells[1]));
            trainTop1.add(100 * Double.parseDouble(cells[2]));
            testTop1.add(100 * Double.parseDouble(cells[3]));
        }
        XYChart accuracy = new XYChartBuilder().width(700).height(420).title("top-1 per epoch").xAxisTitle("epoch").yAxisTitle("top-1 (%)").build();
        accuracy.addSeries("train (augmented)", epochs, trainTop1);
        accuracy.addSeries("test", epochs, testTop1);
        XYChart losses = new XYChartBuilder().width(700).height(420).title("training loss per epoch").xAxisTitle("epoch").yAxisTitle("loss").build();
        losses.addSeries("train loss", epochs, loss);
        Files.createDirectories(png().toAbsolutePath().getParent());
        String base = png().toAbsolutePath().toString().replaceFirst("\\.png$", "");
        BitmapEncoder.saveBitmap(List.of(accuracy, losses), 1, 2, base, BitmapEncoder.BitmapFormat.PNG);
        System.out.println("wrote " + base + ".png");
        return 0;
    }

    /** The file written: {@code --out} with {@code .png} added unless it ends so. */
    private Path png() {
        return out.getFileName().toString().endsWith(".png") ? out : out.resolveSibling(out.getFileName() + ".png");
    }
}
