import io.vitprune.api.ModelStructure;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How well does a latency table predict the plans of an `experiment latency` run? For every model of
 * the run timed at BATCH (each latency-selected one at the batch it was planned for), its predicted
 * latency as a fraction of the unpruned model's against the measured one in the run's CSV, and the
 * error of the one over the other: what the report's "error as a fraction of unpruned" gives for
 * the table the run used, here for any table of the same model shape. No timing: the machine may
 * be busy. Run by scripts/latency-table-check.sh.
 */
public final class LatencyTableCheck {
    public static void main(String[] args) throws Exception {
        LatencyModel model = LatencyModel.of(LatencyTable.read(Path.of(args[0])), Integer.parseInt(args[1]));
        int batch = model.batch();
        Path work = Path.of(args[2]);
        List<String> lines = Files.readAllLines(Path.of(args[3]));
        List<String> columns = Arrays.asList(lines.get(0).split(","));
        List<String[]> rows = lines.stream().skip(1).map(line -> line.split(",", -1)).toList();
        int selector = columns.indexOf("selector");
        int target = columns.indexOf("target");
        int planBatch = columns.indexOf("plan_batch");
        int measured = columns.indexOf("ms_b" + batch);
        String[] unpruned = rows.stream().filter(row -> row[selector].equals("none")).findFirst().orElseThrow();
        double measuredFull = Double.parseDouble(unpruned[measured]);
        double predictedFull = Double.NaN;
        List<Double> errors = new ArrayList<>();
        System.out.printf(Locale.ROOT, "table %s at batch %d against %s: predicted and measured fractions of the unpruned model%n", args[0], batch, args[3]);
        for (String[] row : rows) {
            boolean latency = row[selector].equals("latency");
            if (row[selector].equals("none") || (latency && !row[planBatch].equals(Integer.toString(batch))) || row[measured].equals("-")) {
                continue;
            }
            String name = latency ? "latency-b" + row[planBatch] + "-" + row[target] : row[selector] + "-" + row[target];
            ModelStore.Manifest manifest = ModelStore.readManifest(work.resolve(name).resolve("pruned"));
            ModelStructure structure = manifest.structure();
            if (Double.isNaN(predictedFull)) {
                predictedFull = model.modelMs(manifest.config().initialStructure());
            }
            double predicted = model.modelMs(structure) / predictedFull;
            double fraction = Double.parseDouble(row[measured]) / measuredFull;
            errors.add(predicted / fraction - 1);
            System.out.printf(Locale.ROOT, "  %-18s predicted %.3f measured %.3f error %+.1f%%%n", name, predicted, fraction, 100 * (predicted / fraction - 1));
        }
        System.out.printf(Locale.ROOT, "%d of %d within 10%%; mean error %+.1f%%, largest %.1f%%%n", errors.stream().filter(e -> Math.abs(e) <= 0.1).count(),
                errors.size(), 100 * errors.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                100 * errors.stream().mapToDouble(Math::abs).max().orElse(0));
    }
}
