package io.vitprune.experiments;

import io.vitprune.strategies.vtp.VtpSettings;
import picocli.CommandLine.Option;

/** The learning rates of VTP's gate training, shared by the commands that train gates. */
final class GateRates {
    @Option(names = "--gate-training-lr", defaultValue = VtpSettings.DEFAULT_LEARNING_RATE, description = "The network's learning rate while the gates train.")
    double network;

    @Option(names = "--gate-lr", defaultValue = VtpSettings.DEFAULT_GATE_LEARNING_RATE, description = "The gates' own learning rate.")
    double gates;

    VtpSettings settings(int epochs, double lambda, long seed) {
        return new VtpSettings(epochs, lambda, network, gates, VtpSettings.defaults().batchSize(), seed);
    }
}
