package org.urbangraph.uge.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.image.RgbImage;

/**
 * Preprocessed images by file, least recently used evicted: training revisits the same images every epoch, and
 * decoding and resampling a photo costs more than a tiny model's forward pass.
 */
final class ImageCache {

    private final Qwen2VLImageProcessor processor;
    private final Map<Path, Qwen2VLImageProcessor.Output> cache;

    ImageCache(Qwen2VLImageProcessor processor, int capacity) {
        this.processor = processor;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, Qwen2VLImageProcessor.Output> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized Qwen2VLImageProcessor.Output preprocess(List<Path> files) {
        if (files.size() == 1) {
            return cache.computeIfAbsent(files.get(0).toAbsolutePath().normalize(),
                    f -> processor.preprocess(List.of(Images.read(f))));
        }
        List<RgbImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(Images.read(f));
        }
        return processor.preprocess(imgs);
    }
}
