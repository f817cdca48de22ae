package org.urbangraph.ugdata.dataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.osm.OsmBounds;
import org.urbangraph.ugdata.photo.ExifPhotoReader;
import org.urbangraph.ugdata.photo.ImageRecord;
import org.urbangraph.ugdata.photo.PhotoManifestReader;
import org.urbangraph.ugdata.render.CameraPose;
import org.urbangraph.ugdata.render.CameraSampler;

/**
 * Gathers the images of one city: real photos (EXIF or manifest) that lie inside the city, and synthetic camera
 * poses along its streets; then picks the benchmark images with a seeded shuffle.
 */
final class ImageCollector {
    /** Photos up to this far outside the street extent still count as inside the city. */
    static final double OUTSIDE_MARGIN_M = 300;

    private ImageCollector() {}

    static List<ImageRecord> photos(UgDataConfig c, OsmBounds extent, BuildIssues issues) throws IOException {
        List<ImageRecord> found = new ArrayList<>();
        if (c.photos() != null) {
            found.addAll(ExifPhotoReader.readFolder(c.photos(), issues));
        }
        if (c.photoManifest() != null) {
            found.addAll(PhotoManifestReader.read(c.photoManifest(), issues));
        }
        List<ImageRecord> inside = new ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (ImageRecord r : found) {
            if (!extent.contains(r.lon(), r.lat(), OUTSIDE_MARGIN_M)) {
                double d = Geo.haversine(r.lon(), r.lat(), extent.centerLon(), extent.centerLat());
                issues.report(BuildIssues.Kind.PHOTO_OUTSIDE_CITY, r.origin(), String.format(Locale.ROOT,
                        "photo at %.6f, %.6f lies outside %s (streets span %s; %.1f km from its centre); photo skipped",
                        r.lon(), r.lat(), c.cityName(), extent, d / 1000));
                continue;
            }
            if (!ids.add(r.id())) {
                issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, r.origin(), "image id '" + r.id()
                        + "' given twice (folder and manifest); the second is skipped");
                continue;
            }
            inside.add(r);
        }
        inside.sort(Comparator.comparing(ImageRecord::id));
        return inside;
    }

    static List<CameraPose> poses(UgDataConfig c, CityGraph graph) {
        return CameraSampler.sample(graph, c.render(), c.minSpacingM(), c.seed() * 31 + c.city().hashCode());
    }

    /** Relative file name of a photo in the dataset: marks a synthetic placement in the name. */
    static String photoFile(ImageRecord r) {
        String name = r.file().getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? ".jpg" : name.substring(dot).toLowerCase(Locale.ROOT);
        return "images/photo-" + r.id() + (r.syntheticPlacement() ? "-synthetic-placement" : "") + ext;
    }

    /** Relative file name of the i-th synthetic view of a city. */
    static String syntheticId(String city, int i) {
        return String.format(Locale.ROOT, "synthetic-%s-%06d", city, i);
    }
}
