package org.urbangraph.tensor.io;

import java.util.Arrays;
import org.urbangraph.kernels.DType;

/** One header entry of a safetensors file: the tensor's name, dtype, shape and byte range in the data section. */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
