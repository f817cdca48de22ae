package org.urbangraph.ugdata.render;

/**
 * Street-view rendering settings.
 *
 * @param width image width in pixels (default 448, the UGE authors' input scale)
 * @param height image height in pixels
 * @param hfovDeg horizontal field of view of the pinhole camera
 * @param eyeHeightM camera height above the street
 * @param pitchDeg camera pitch (negative looks down)
 * @param viewDistanceM features farther than this are not drawn (the haze hides them)
 */
public record RenderSettings(int width, int height, double hfovDeg, double eyeHeightM, double pitchDeg,
        double viewDistanceM) {

    /** Smallest and largest image side in pixels. */
    public static final int MIN_SIZE = 16;
    public static final int MAX_SIZE = 8192;

    public static RenderSettings defaults() {
        return new RenderSettings(448, 448, 90, 1.6, 0, 260);
    }

    public RenderSettings withSize(int w, int h) {
        return new RenderSettings(w, h, hfovDeg, eyeHeightM, pitchDeg, viewDistanceM);
    }

    public RenderSettings {
        if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE) {
            throw new IllegalArgumentException("image size must be " + MIN_SIZE + ".." + MAX_SIZE + " pixels a side, got "
                    + width + "x" + height);
        }
        if (hfovDeg <= 10 || hfovDeg >= 170) {
            throw new IllegalArgumentException("horizontal field of view must be 10..170 degrees, got " + hfovDeg);
        }
        if (eyeHeightM <= 0 || viewDistanceM <= 10) {
            throw new IllegalArgumentException("eye height and view distance must be positive");
        }
    }
}
