package io.vitprune.cli;

import io.vitprune.core.io.OutputGuard;
import io.vitprune.deploy.ExportOptions;
import io.vitprune.deploy.HeadLayout;
import io.vitprune.deploy.OnnxExport;
import io.vitprune.deploy.Quantization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a vitprune model (pruned or not) as an ONNX graph that ONNX Runtime runs: see {@link OnnxExport}. */
@Command(name = "export", description = "Export a model as ONNX (opset 17, dynamic batch, input 'pixels', output 'logits'), "
        + "optionally with dynamic int8 weights.")
final class ExportCommand implements Callable<Integer> {
    enum Format { ONNX }

    enum Int8 { NONE, INT8 }

    @Option(names = "--model", required = true, description = "Model directory.") Path model;
    @Option(names = "--out", required = true, description = "The .onnx file to write.") Path out;
    @Option(names = "--format", defaultValue = "onnx", description = "Output format: ${COMPLETION-CANDIDATES}.") Format format;
    @Option(names = "--quantize", defaultValue = "none", description = "Weights of the matrix products: none (float32) or int8 "
            + "(per output channel, activations quantized at run time; ONNX Runtime's DynamicQuantizeMatMul).") Int8 quantize;
    @Option(names = "--head-layout", defaultValue = "grouped", description = "Ragged heads in the graph: ${COMPLETION-CANDIDATES} "
            + "(all exact).") HeadLayout headLayout;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).file("--out", out).verify();
        ExportOptions options = ExportOptions.defaults().withHeadLayout(headLayout)
                .withQuantization(quantize == Int8.INT8 ? Quantization.DYNAMIC_INT8 : Quantization.NONE);
        OnnxExport.write(model, out, options);
        System.out.printf("wrote %s (%,d bytes, %s, %s heads)%n", out, Files.size(out), quantize == Int8.INT8 ? "int8 weights" : "float32",
                headLayout.name().toLowerCase(java.util.Locale.ROOT));
        return 0;
    }
}
