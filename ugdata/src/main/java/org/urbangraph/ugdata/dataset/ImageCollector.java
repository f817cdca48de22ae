package org.urbangraph.ugdata.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        return distinctBytes(inside, issues);
    }

    /**
     * The photos less those with the bytes of an earlier one (by id): a copy under another name ({@code IMG_1.jpg} and
     * {@code IMG_1 (1).jpg}) could otherwise be a training image and a benchmark image at once. Only files of a size
     * another photo also has are hashed. A file that cannot be sized is kept here and reported when decoded.
     */
    static List<ImageRecord> distinctBytes(List<ImageRecord> photos, BuildIssues issues) throws IOException {
        Map<Long, Integer> sizes = new HashMap<>();
        long[] size = new long[photos.size()];
        for (int i = 0; i < photos.size(); i++) {
            try {
                size[i] = Files.size(photos.get(i).file());
            } catch (IOException e) {
                size[i] = -1 - i; // unique: never compared
            }
            sizes.merge(size[i], 1, Integer::sum);
        }
        Map<String, ImageRecord> firstByHash = new HashMap<>();
        List<ImageRecord> out = new ArrayList<>(photos.size());
        for (int i = 0; i < photos.size(); i++) {
            ImageRecord r = photos.get(i);
            if (sizes.get(size[i]) > 1) {
                ImageRecord first = firstByHash.putIfAbsent(FileHashes.sha256(r.file()), r);
                if (first != null) {
                    issues.report(BuildIssues.Kind.PHOTO_DUPLICATE, r.origin(), "image file " + r.file()
                            + " has the bytes of photo '" + first.id() + "' (" + first.file() + "); photo skipped");
                    continue;
                }
            }
            out.add(r);
        }
        return out;
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
