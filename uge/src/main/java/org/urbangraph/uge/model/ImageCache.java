package org.urbangraph.uge.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
    private final Consumer<RgbImage> check;
    private final Map<Path, P> cache;

    /**
     * @param processor the family's image processor
     * @param check     the pipeline's check that the processor can take an image ({@code checkImage}), run on each
     *                  image before the processor so that a refusal names that image's file
     */
    ImageCache(Function<List<RgbImage>, P> processor, Consumer<RgbImage> check, int capacity) {
        this.processor = processor;
        this.check = check;
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
                    f -> apply(List.of(read(files.get(0))), files.get(0).toString()));
        }
        List<RgbImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(read(f));
        }
        return apply(imgs, files.toString());
    }

    /** Decodes one image and checks it, a refusal naming the file. */
    private RgbImage read(Path file) {
        RgbImage image = Images.read(file);
        try {
            check.accept(image);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return image;
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
