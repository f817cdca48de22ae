package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;

/** An image the processor refuses (Qwen2-VL: an aspect ratio over 200) is named by its own file. */
class ImageCacheTest {

    @Test
    void aRefusedImageNamesItsFile(@TempDir Path dir) throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(2, 402, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        Qwen2VLImageProcessor processor = new Qwen2VLImageProcessor(Qwen2VLImageProcessor.Config.defaults());
        Path square = dir.resolve("square.png");
        ImageIO.write(new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB), "png", square.toFile());
        ImageCache<Qwen2VLImageProcessor.Output> cache = new ImageCache<>(processor::preprocess,
                img -> processor.targetSize(img.width(), img.height()), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.preprocess(List.of(thin)));
        assertTrue(e.getMessage().startsWith(thin + ": absolute aspect ratio must be smaller than 200"),
                e.getMessage());
        // several images of one input: the one at fault is named, not the list
        e = assertThrows(IllegalArgumentException.class, () -> cache.preprocess(List.of(square, thin)));
        assertTrue(e.getMessage().startsWith(thin + ": absolute aspect ratio must be smaller than 200"),
                e.getMessage());
    }
}
