package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.deploy.ExportOptions;
import io.vitprune.deploy.HeadLayout;
import io.vitprune.deploy.OnnxExport;
import io.vitprune.deploy.Quantization;
import io.vitprune.interop.TorchExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Writes a vitprune model (pruned or not) as an ONNX graph that ONNX Runtime runs ({@link OnnxExport}),
 * or hands it back to PyTorch ({@link TorchExport}).
 */
@Command(name = "export", description = "Export a model as ONNX (opset 17, dynamic batch, input 'pixels', output 'logits'), "
        + "optionally with dynamic int8 weights, or for PyTorch (safetensors + vitprune.json, rebuilt by python/vitprune_torch.py).")
final class ExportCommand implements Callable<Integer> {
    enum Format { ONNX, PYTORCH }

    enum Int8 { NONE, INT8 }

    @Option(names = "--model", required = true, description = "Model directory.") Path model;
    @Option(names = "--out", required = true, description = "The .onnx file to write; for pytorch, the directory.") Path out;
    @Option(names = "--format", defaultValue = "onnx", description = "Output format: ${COMPLETION-CANDIDATES}.") Format format;
    @Option(names = "--quantize", defaultValue = "none", description = "Weights of the matrix products: none (float32) or int8 "
            + "(per output channel, activations quantized at run time; ONNX Runtime's DynamicQuantizeMatMul).") Int8 quantize;
    @Option(names = "--head-layout", defaultValue = "grouped", description = "Ragged heads in the graph: ${COMPLETION-CANDIDATES} "
            + "(all exact).") HeadLayout headLayout;
    @Mixin TokenReducerOptions tokens;

    @Override
    public Integer call() throws Exception {
        tokens.refuse("token reduction (per-image matching, merging or dropping of tokens inside the forward pass) is not exported to "
                + (format == Format.PYTORCH ? "PyTorch" : "ONNX") + "; export the model without --tokens and reduce tokens at run time with eval --tokens");
        if (format == Format.PYTORCH) {
            return exportForPytorch();
        }
        OutputGuard.check().input("--model", model).file("--out", out).verify();
        ExportOptions options = ExportOptions.defaults().withHeadLayout(headLayout)
                .withQuantization(quantize == Int8.INT8 ? Quantization.DYNAMIC_INT8 : Quantization.NONE);
        OnnxExport.write(model, out, options);
        System.out.printf("wrote %s (%,d bytes, %s, %s heads)%n", out, Files.size(out), quantize == Int8.INT8 ? "int8 weights" : "float32",
                headLayout.name().toLowerCase(java.util.Locale.ROOT));
        return 0;
    }

    private int exportForPytorch() throws Exception {
        if (quantize != Int8.NONE || headLayout != HeadLayout.GROUPED) {
            throw new InvalidInputException("--quantize and --head-layout are options of --format onnx: the PyTorch export writes float32 weights "
                    + "and python/vitprune_torch.py lays out heads itself");
        }
        OutputGuard.check().input("--model", model).directory("--out", out).verify();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            TorchExport.write(loaded, out);
        }
        System.out.printf("wrote %s (%s and %s; rebuild it with python/vitprune_torch.py)%n", out, TorchExport.WEIGHTS, TorchExport.MANIFEST);
        return 0;
    }
}
