package io.vitprune.core.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import java.util.Iterator;

/** CIFAR-10 as a DJL {@link Dataset}, for code that trains through DJL's own {@code EasyTrain}. */
public final class Cifar10Dataset implements Dataset {
    private final Cifar10 data;
    private final int batchSize;
    private final Batches.Order order;

    public Cifar10Dataset(Cifar10 data, int batchSize, Batches.Order order) {
        this.data = data;
        this.batchSize = batchSize;
        this.order = order;
    }

    @Override
    public Iterable<Batch> getData(NDManager manager) {
        int total = Batches.count(data, batchSize);
        return () -> new Iterator<>() {
            private final Batches.Epoch epoch = Batches.epoch(data, batchSize, order);
            private long index;

            @Override
            public boolean hasNext() {
                return epoch.hasNext();
            }

            @Override
            public Batch next() {
                NDManager batchManager = manager.newSubManager();
                NDList images = epoch.next(batchManager);
                return new Batch(batchManager, new NDList(images.get(0)), new NDList(images.get(1)), (int) images.get(0).getShape().get(0),
                        Batchifier.STACK, Batchifier.STACK, index++, total);
            }
        };
    }

    @Override
    public void prepare(Progress progress) {
        // The images are already in memory.
    }
}
