package org.urbangraph.ugdata.photo;

import java.nio.file.Path;

/**
 * One street-level image to anchor in a city: a real photo (position from EXIF or a manifest) or a synthetic
 * street view rendered from OSM.
 *
 * @param id unique id within the city (file-name safe)
 * @param file the image file (for a synthetic view: null until rendered)
 * @param lon longitude of the camera
 * @param lat latitude of the camera
 * @param headingDeg true compass heading of the camera, or NaN when unknown
 * @param captureTime capture time as ISO-8601 local time, or null
 * @param syntheticImage true for rendered street views
 * @param syntheticPlacement true when the position was assigned rather than measured (a real photo placed
 *     into a city for testing)
 * @param origin where the record came from: the source file and row, for messages and the manifest
 */
public record ImageRecord(String id, Path file, double lon, double lat, double headingDeg, String captureTime,
        boolean syntheticImage, boolean syntheticPlacement, String origin) {

    public boolean hasHeading() {
        return !Double.isNaN(headingDeg);
    }

    /** True when anything about the image is synthetic (the flag every dataset row carries). */
    public boolean synthetic() {
        return syntheticImage || syntheticPlacement;
    }

    /** "synthetic" for rendered views, "photo" for real ones. */
    public String source() {
        return syntheticImage ? "synthetic" : "photo";
    }

    /** A file-name safe id from any text: letters, digits, '-' and '_' only. */
    public static String safeId(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_-]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "");
        return t.isEmpty() ? "image" : t;
    }
}
