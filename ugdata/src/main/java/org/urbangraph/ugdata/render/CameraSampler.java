package org.urbangraph.ugdata.render;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.geo.PolylineProjection;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.StreetGeometry;

/**
 * Chooses camera positions for synthetic street views: uniformly by length along the sections of the city's named
 * streets whose own OSM way is of a road class (seeded; a street's footway or steps sections get none, whatever
 * the class of the street as a whole), at least a minimum spacing apart, in the right-hand lane of the section's
 * class, each looking along its street in one of the two directions. When the city is too small for the requested
 * count at that spacing, the spacing is halved until it fits.
 */
public final class CameraSampler {
    /** Street classes a street view is taken on (not footpaths, tracks, motorways or climbing routes). */
    private static final Set<String> CAMERA_CLASSES = Set.of("trunk", "primary", "secondary", "tertiary",
            "unclassified", "residential", "living_street", "pedestrian", "road", "service", "primary_link",
            "secondary_link", "tertiary_link");

    private CameraSampler() {}

    public static List<CameraPose> sample(CityGraph graph, int count, double minSpacingM, long seed) {
        if (count <= 0) {
            return List.of();
        }
        // sampling pieces: the runs of consecutive camera-class segments of each open-air polyline, with the class
        // of each segment (a merged street chains ways of any class: its footway or steps sections get no camera)
        List<SpatialNode> streets = new ArrayList<>();
        List<String[]> classes = new ArrayList<>();
        List<double[]> lons = new ArrayList<>();
        List<double[]> lats = new ArrayList<>();
        List<Double> cumulative = new ArrayList<>();
        double total = 0;
        for (SpatialNode s : graph.nodesOf(NodeKind.STREET)) {
            StreetGeometry g = graph.streetGeometry(s);
            for (int p = 0; p < g.lons().size(); p++) {
                if (g.tunnel().get(p)) {
                    continue;
                }
                double[] lo = g.lons().get(p);
                double[] la = g.lats().get(p);
                String[] hw = g.segmentHighway().get(p);
                int i = 0;
                while (i < hw.length) {
                    if (!CAMERA_CLASSES.contains(hw[i])) {
                        i++;
                        continue;
                    }
                    int j = i;
                    while (j + 1 < hw.length && CAMERA_CLASSES.contains(hw[j + 1])) {
                        j++;
                    }
                    // segments i..j, vertices i..j+1
                    boolean whole = i == 0 && j + 2 == lo.length;
                    double[] pieceLon = whole ? lo : Arrays.copyOfRange(lo, i, j + 2);
                    double[] pieceLat = whole ? la : Arrays.copyOfRange(la, i, j + 2);
                    double len = PolylineProjection.length(pieceLon, pieceLat);
                    if (len >= 5) {
                        streets.add(s);
                        classes.add(Arrays.copyOfRange(hw, i, j + 1));
                        lons.add(pieceLon);
                        lats.add(pieceLat);
                        total += len;
                        cumulative.add(total);
                    }
                    i = j + 1;
                }
            }
        }
        if (streets.isEmpty()) {
            throw new IllegalArgumentException(graph.city() + ": no named street suitable for street views");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<CameraPose> poses = new ArrayList<>(count);
        LocalFrame grid = LocalFrame.at(graph.extent().centerLon(), graph.extent().centerLat());
        double spacing = minSpacingM;
        Map<Long, List<double[]>> cells = new HashMap<>();
        int attempts = 0;
        while (poses.size() < count) {
            if (attempts++ > 40 * count + 1000) {
                if (spacing < 0.5) {
                    break;
                }
                spacing /= 2;
                attempts = 0;
                cells = rebuild(poses, grid, spacing);
            }
            double at = rnd.nextDouble() * total;
            int k = lowerBound(cumulative, at);
            double start = k == 0 ? 0 : cumulative.get(k - 1);
            PolylineProjection.Along pt = PolylineProjection.pointAlong(lons.get(k), lats.get(k), at - start);
            if (tooClose(cells, grid, pt.lon(), pt.lat(), spacing)) {
                continue;
            }
            boolean reverse = rnd.nextBoolean();
            double heading = Geo.normalizeDegrees(pt.bearingDeg() + (reverse ? 180 : 0));
            SpatialNode s = streets.get(k);
            // stand in the right-hand lane, as a car-mounted camera would, not on the centre line
            String highway = classes.get(k)[pt.segment()];
            double offset = 0.22 * SceneIndex.roadWidth(highway, null, null);
            double[] cam = Geo.destination(pt.lon(), pt.lat(), heading + 90, offset);
            poses.add(new CameraPose(cam[0], cam[1], heading, s.key(), s.name(), highway));
            put(cells, grid, pt.lon(), pt.lat(), spacing);
        }
        return poses;
    }

    private static int lowerBound(List<Double> cumulative, double v) {
        int lo = 0;
        int hi = cumulative.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative.get(mid) < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static long cell(LocalFrame f, double lon, double lat, double spacing) {
        long cx = (long) Math.floor(f.x(lon) / spacing);
        long cy = (long) Math.floor(f.y(lat) / spacing);
        return cx * 1_000_003L + cy;
    }

    private static boolean tooClose(Map<Long, List<double[]>> cells, LocalFrame f, double lon, double lat,
            double spacing) {
        long cx = (long) Math.floor(f.x(lon) / spacing);
        long cy = (long) Math.floor(f.y(lat) / spacing);
        for (long dx = -1; dx <= 1; dx++) {
            for (long dy = -1; dy <= 1; dy++) {
                List<double[]> pts = cells.get((cx + dx) * 1_000_003L + cy + dy);
                if (pts == null) {
                    continue;
                }
                for (double[] p : pts) {
                    if (Geo.haversine(lon, lat, p[0], p[1]) < spacing) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void put(Map<Long, List<double[]>> cells, LocalFrame f, double lon, double lat, double spacing) {
        cells.computeIfAbsent(cell(f, lon, lat, spacing), k -> new ArrayList<>()).add(new double[] {lon, lat});
    }

    private static Map<Long, List<double[]>> rebuild(List<CameraPose> poses, LocalFrame f, double spacing) {
        Map<Long, List<double[]>> cells = new HashMap<>();
        for (CameraPose p : poses) {
            put(cells, f, p.lon(), p.lat(), spacing);
        }
        return cells;
    }
}
