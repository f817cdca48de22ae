package org.urbangraph.uge.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.urbangraph.vlm.image.RgbImage;

/**
 * Preprocessed images by file, least recently used evicted: training revisits the same images every epoch, and
 * decoding and resampling a photo costs more than a tiny model's forward pass. {@code P} is the family's processor
 * output; only single images are cached (several images of one input are prepared together, as the processor does).
 */
final class ImageCache<P> {

    private final Function<List<RgbImage>, P> processor;
    private final Function<Path, RgbImage> reader;
    private final Map<Path, P> cache;

    /**
     * @param processor the family's image processor
     * @param reader    decodes one file and checks that the processor can take it, a refusal naming that file
     *                  (the pipeline's {@code readImage})
     */
    ImageCache(Function<List<RgbImage>, P> processor, Function<Path, RgbImage> reader, int capacity) {
        this.processor = processor;
        this.reader = reader;
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
                    f -> apply(List.of(reader.apply(files.get(0))), files.get(0).toString()));
        }
        List<RgbImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(reader.apply(f));
        }
        return apply(imgs, files.toString());
    }

    /** Any other refusal of the processor names the files it was given. */
    private P apply(List<RgbImage> images, String files) {
        try {
            return processor.apply(images);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(files + ": " + e.getMessage(), e);
        }
    }
}
