package org.urbangraph.ugdata.supervision;

/**
 * Writes the spatial context caption (SCC) of an image: the positive text of stage-1 rows. The default,
 * {@link TemplateCaptioner}, writes it from the map around the image ({@link ImageSurroundings}) with deterministic
 * templates; a captioner that runs a local vision-language model plugs in here.
 *
 * <p>Implementations must be thread-safe (captions are written in parallel) and should be deterministic for a
 * given context, so that a dataset build can be repeated.
 */
@FunctionalInterface
public interface ContextCaptioner {
    String caption(CaptionContext context);

    /** A short name recorded in the dataset manifest. */
    default String name() {
        return getClass().getSimpleName();
    }
}
