package org.urbangraph.uge.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;

/**
 * Preprocessed images by file, least recently used evicted: training revisits the same images every epoch, and
 * decoding and resampling a photo costs more than a tiny model's forward pass. {@code P} is the family's processor
 * output; only single images are cached (several images of one input are prepared together, as the processor does).
 */
final class ImageCache<P> {

    private final Function<List<RgbImage>, P> processor;
    private final Map<Path, P> cache;

    ImageCache(Function<List<RgbImage>, P> processor, int capacity) {
        this.processor = processor;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, P> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized P preprocess(List<Path> files) {
        if (files.size() == 1) {
            return cache.computeIfAbsent(files.get(0).toAbsolutePath().normalize(),
                    f -> processor.apply(List.of(Images.read(f))));
        }
        List<RgbImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(Images.read(f));
        }
        return processor.apply(imgs);
    }
}
