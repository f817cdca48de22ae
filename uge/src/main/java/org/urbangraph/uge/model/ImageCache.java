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
                    f -> apply(List.of(Images.read(f)), files.get(0).toString()));
        }
        List<RgbImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(Images.read(f));
        }
        return apply(imgs, files.toString());
    }

    /** The processor's refusal of an image (an aspect ratio it cannot resize) names the file. */
    private P apply(List<RgbImage> images, String files) {
        try {
            return processor.apply(images);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(files + ": " + e.getMessage(), e);
        }
    }
}
