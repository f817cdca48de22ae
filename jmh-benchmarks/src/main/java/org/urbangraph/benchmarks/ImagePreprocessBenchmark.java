package org.urbangraph.benchmarks;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.image.Resample;
import org.urbangraph.vlm.image.RgbImage;

/**
 * Preprocessing one 1024x768 street photo (a bundled Lund JPEG) for Qwen2-VL with the default processor:
 * decode, BICUBIC resize to 1036x756 (smart_resize), rescale, normalise and patchify into 3,996 rows of 1,176.
 * The steps are also timed alone, with the JDK's ImageIO JPEG decoder (native libjpeg 6b) as the peer of ours.
 * Single-threaded: the processor runs on the calling thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ImagePreprocessBenchmark {

    /** The JPEG to process; empty means fixtures/data/images/lund/01.jpg found above the working directory. */
    @Param("")
    public String image;

    private byte[] jpeg;
    private RgbImage decoded;
    private Qwen2VLImageProcessor processor;

    @Setup
    public void setup() throws IOException {
        Path file = image.isEmpty() ? findFixture("fixtures/data/images/lund/01.jpg") : Path.of(image);
        jpeg = Files.readAllBytes(file);
        decoded = Images.decode(jpeg, file.toString());
        processor = new Qwen2VLImageProcessor(Qwen2VLImageProcessor.Config.defaults());
    }

    static Path findFixture(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath()
                + "; run from the repository or pass -p image=FILE");
    }

    /** The whole job: JPEG bytes to Qwen2-VL pixel_values. */
    @Benchmark
    public Qwen2VLImageProcessor.Output qwen2vlPreprocessJpeg() {
        return processor.preprocess(List.of(Images.decode(jpeg, "bench")));
    }

    @Benchmark
    public RgbImage decodeJpeg() {
        return Images.decode(jpeg, "bench");
    }

    /** The JDK's decoder on the same bytes (its pixels differ from Pillow's on some photos; see vlm/README.md). */
    @Benchmark
    public BufferedImage decodeJpegImageIO() throws IOException {
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }

    @Benchmark
    public RgbImage resizeBicubic() {
        return Resample.resize(decoded, 1036, 756, Resample.Filter.BICUBIC);
    }

    /** Resize, rescale, normalise and patchify an already decoded image. */
    @Benchmark
    public Qwen2VLImageProcessor.Output qwen2vlPreprocessDecoded() {
        return processor.preprocess(List.of(decoded));
    }
}
