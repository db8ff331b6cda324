package io.vitprune.deploy;

/**
 * A weight (in, out) quantized symmetrically per output column: {@code w ~ scale[n] * q}, q in
 * [-127, 127], so the zero point is 0 and the int8 range is used evenly on both signs.
 */
record Int8Weights(byte[] values, float[] scales, int rows, int columns) {
    static Int8Weights quantize(Matrix weight) {
        int rows = weight.rows();
        int columns = weight.columns();
        float[] scales = new float[columns];
        for (int c = 0; c < columns; c++) {
            float largest = 0;
            for (int r = 0; r < rows; r++) {
                largest = Math.max(largest, Math.abs(weight.get(r, c)));
            }
            // An all-zero column (a padded head's) quantizes to zeros with any scale.
            scales[c] = largest > 0 ? largest / 127f : 1f;
        }
        byte[] values = new byte[rows * columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                values[r * columns + c] = (byte) Math.max(-127, Math.min(127, Math.round(weight.get(r, c) / scales[c])));
            }
        }
        return new Int8Weights(values, scales, rows, columns);
    }
}
