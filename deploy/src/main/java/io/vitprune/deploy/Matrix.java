package io.vitprune.deploy;

/** A row-major float matrix: a weight on its way from DJL's (out, in) layout into an initializer. */
record Matrix(float[] values, int rows, int columns) {
    Matrix {
        if (values.length != (long) rows * columns) {
            throw new IllegalArgumentException(values.length + " values for a " + rows + " x " + columns + " matrix");
        }
    }

    float get(int row, int column) {
        return values[row * columns + column];
    }

    Matrix transpose() {
        float[] result = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                result[c * rows + r] = values[r * columns + c];
            }
        }
        return new Matrix(result, columns, rows);
    }

    /** The given rows in order; an index of -1 gives a row of zeros. */
    Matrix rows(int[] indices) {
        float[] result = new float[indices.length * columns];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] >= 0) {
                System.arraycopy(values, indices[i] * columns, result, i * columns, columns);
            }
        }
        return new Matrix(result, indices.length, columns);
    }

    /** The given columns in order; an index of -1 gives a column of zeros. */
    Matrix columns(int[] indices) {
        return transpose().rows(indices).transpose();
    }
}
