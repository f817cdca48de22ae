package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.uge.FamilyBackbones;
import org.urbangraph.uge.TinyWorld;

/**
 * An image the family's processor refuses is named by its own file, through the backbones' own wiring of the image
 * cache to their pipeline's {@code readImage}: Qwen2-VL refuses an aspect ratio over 200 ({@link Qwen2VLBackbone}),
 * Phi-3-V an image its HD transform would resize to a height of 0 ({@link PromptBackbone}).
 */
class ImageCacheTest {

    @Test
    void aRefusedImageNamesItsFileInQwen2VL(@TempDir Path dir) throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(2, 402, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        Path square = dir.resolve("square.png");
        ImageIO.write(new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB), "png", square.toFile());
        UgeBackbone backbone = UgeBackbone.load(TinyWorld.backbone());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backbone.encode(new UgeInput("<image>Where?", List.of(thin), List.of()), new int[0]));
        assertTrue(e.getMessage().startsWith(thin + ": absolute aspect ratio must be smaller than 200"),
                e.getMessage());
        // several images of one input: the one at fault is named, not the list
        e = assertThrows(IllegalArgumentException.class, () -> backbone.encode(
                new UgeInput("<image><image>Where?", List.of(square, thin), List.of()), new int[0]));
        assertTrue(e.getMessage().startsWith(thin + ": absolute aspect ratio must be smaller than 200"),
                e.getMessage());
    }

    @Test
    void aRefusedImageNamesItsFileInPhi3V(@TempDir Path dir) throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(20000, 1, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        UgeBackbone backbone = UgeBackbone.load(FamilyBackbones.phi3V());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backbone.encode(new UgeInput("<image>Where?", List.of(thin), List.of()), new int[0]));
        assertTrue(e.getMessage().startsWith(thin + ": a 20000x1 image is too elongated for the HD transform"),
                e.getMessage());
        Path square = dir.resolve("square.png");
        ImageIO.write(new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB), "png", square.toFile());
        e = assertThrows(IllegalArgumentException.class, () -> backbone.encode(
                new UgeInput("<image><image>Where?", List.of(square, thin), List.of()), new int[0]));
        assertTrue(e.getMessage().startsWith(thin + ": a 20000x1 image is too elongated for the HD transform"),
                e.getMessage());
    }
}
