package org.urbangraph.ugdata.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.index.strtree.STRtree;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.osm.OsmData;
import org.urbangraph.ugdata.osm.OsmFeatures;
import org.urbangraph.ugdata.osm.OsmNode;
import org.urbangraph.ugdata.osm.OsmWay;

/**
 * The renderable features of one city (buildings, roads, ground areas, waterways, trees, POI signs), taken from
 * the OSM extract once and indexed with a JTS {@link STRtree}, so that a street view only looks at what lies
 * within its view distance. Immutable after construction; safe to share between render threads.
 */
public final class SceneIndex {

    /** A building footprint (an open ring: the closing vertex dropped) and its height in metres. */
    public record Building(long id, double[] lons, double[] lats, double heightM, String type) {}

    /** A road or path centreline with its highway class and width in metres. */
    public record Road(long id, double[] lons, double[] lats, String highway, double widthM) {}

    /** A ground polygon: land use, park, water (an open ring). */
    public record Ground(long id, double[] lons, double[] lats, String areaClass) {}

    /** A waterway line (river, stream, canal) drawn as a water strip. */
    public record Waterway(long id, double[] lons, double[] lats, double widthM) {}

    /** A single tree. */
    public record Tree(long id, double lon, double lat) {}

    /** A named POI, drawn as a sign coloured by its group. */
    public record Sign(long id, double lon, double lat, String group, String name) {}

    private final STRtree buildings = new STRtree();
    private final STRtree roads = new STRtree();
    private final STRtree grounds = new STRtree();
    private final STRtree waterways = new STRtree();
    private final STRtree trees = new STRtree();
    private final STRtree signs = new STRtree();

    public SceneIndex(OsmData osm) {
        for (OsmWay w : osm.ways()) {
            Map<String, String> t = w.tags();
            if (OsmFeatures.isBuilding(t) && w.closed() && w.size() >= 4) {
                double h = OsmFeatures.buildingHeight(t);
                String type = t.get("building");
                if (Double.isNaN(h)) {
                    h = defaultHeight(type, w.id());
                }
                insert(buildings, w.lons(), w.lats(), new Building(w.id(), open(w.lons()), open(w.lats()), h, type));
            } else if (t.containsKey("highway") && !"yes".equals(t.get("area")) && !OsmFeatures.isUnderground(t)) {
                String hw = t.get("highway");
                double width = roadWidth(hw, t.get("lanes"), t.get("width"));
                if (width > 0) {
                    insert(roads, w.lons(), w.lats(), new Road(w.id(), w.lons(), w.lats(), hw, width));
                }
            } else if (w.closed() && w.size() >= 4 && OsmFeatures.areaClass(t) != null) {
                insert(grounds, w.lons(), w.lats(), new Ground(w.id(), open(w.lons()), open(w.lats()),
                        OsmFeatures.areaClass(t)));
            } else if (t.containsKey("waterway") && !w.closed()) {
                double width = switch (t.get("waterway")) {
                    case "river" -> 20;
                    case "canal" -> 12;
                    case "stream" -> 3;
                    default -> 0;
                };
                if (width > 0) {
                    insert(waterways, w.lons(), w.lats(), new Waterway(w.id(), w.lons(), w.lats(), width));
                }
            } else if ("tree_row".equals(t.get("natural"))) {
                // a tree every 8 m along the row
                double along = 0;
                for (int i = 0; i + 1 < w.size(); i++) {
                    LocalFrame f = LocalFrame.at(w.lons()[i], w.lats()[i]);
                    double dx = f.x(w.lons()[i + 1]);
                    double dy = f.y(w.lats()[i + 1]);
                    double seg = Math.hypot(dx, dy);
                    for (double s = (8 - along % 8) % 8; s < seg; s += 8) {
                        double lon = f.lon(dx * s / seg);
                        double lat = f.lat(dy * s / seg);
                        trees.insert(new Envelope(lon, lon, lat, lat), new Tree(w.id() * 1000 + i, lon, lat));
                    }
                    along += seg;
                }
            }
        }
        for (OsmNode n : osm.nodes()) {
            if ("tree".equals(n.tag("natural"))) {
                trees.insert(new Envelope(n.lon(), n.lon(), n.lat(), n.lat()), new Tree(n.id(), n.lon(), n.lat()));
            }
            OsmFeatures.PoiKind poi = OsmFeatures.poi(n.tags());
            if (poi != null) {
                signs.insert(new Envelope(n.lon(), n.lon(), n.lat(), n.lat()),
                        new Sign(n.id(), n.lon(), n.lat(), poi.group(), n.tag("name")));
            }
        }
        for (STRtree t : List.of(buildings, roads, grounds, waterways, trees, signs)) {
            t.build();
        }
    }

    /** Everything within {@code radiusM} of a point (by bounding box). */
    public Scene query(double lon, double lat, double radiusM) {
        LocalFrame f = LocalFrame.at(lon, lat);
        Envelope env = new Envelope(lon - f.degLon(radiusM), lon + f.degLon(radiusM), lat - f.degLat(radiusM),
                lat + f.degLat(radiusM));
        return new Scene(collect(buildings, env), collect(roads, env), collect(grounds, env),
                collect(waterways, env), collect(trees, env), collect(signs, env));
    }

    /** The features around one camera. Lists are in a fixed order (by id) so that drawing is deterministic. */
    public record Scene(List<Building> buildings, List<Road> roads, List<Ground> grounds, List<Waterway> waterways,
            List<Tree> trees, List<Sign> signs) {}

    @SuppressWarnings("unchecked")
    private static <T> List<T> collect(STRtree tree, Envelope env) {
        List<T> out = new ArrayList<>();
        tree.query(env, o -> out.add((T) o));
        out.sort((a, b) -> Long.compare(idOf(a), idOf(b)));
        return out;
    }

    private static long idOf(Object o) {
        return switch (o) {
            case Building b -> b.id();
            case Road r -> r.id();
            case Ground g -> g.id();
            case Waterway w -> w.id();
            case Tree t -> t.id();
            case Sign s -> s.id();
            default -> 0;
        };
    }

    private static void insert(STRtree tree, double[] lons, double[] lats, Object item) {
        Envelope e = new Envelope();
        for (int i = 0; i < lons.length; i++) {
            e.expandToInclude(lons[i], lats[i]);
        }
        tree.insert(e, item);
    }

    private static double[] open(double[] ring) {
        return java.util.Arrays.copyOf(ring, ring.length - 1);
    }

    /** Typical heights by building type, varied by up to +-25 % per building so that a street is not uniform. */
    static double defaultHeight(String type, long id) {
        double base = switch (type == null ? "yes" : type) {
            case "house", "detached", "semidetached_house", "bungalow", "farm" -> 7;
            case "garage", "garages", "shed", "hut", "roof", "carport", "cabin" -> 3;
            case "apartments", "residential", "hotel", "dormitory" -> 15;
            case "commercial", "office", "retail", "public", "civic", "hospital", "university", "school" -> 13;
            case "church", "cathedral", "chapel" -> 18;
            case "industrial", "warehouse", "barn", "farm_auxiliary" -> 8;
            default -> 10;
        };
        double jitter = ((Long.hashCode(id * 0x9E3779B97F4A7C15L) >>> 8) % 1000) / 1000.0 - 0.5;
        return base * (1 + 0.5 * jitter);
    }

    /** Carriageway width by highway class, or from {@code width} / {@code lanes}; 0 for what is not drawn. */
    static double roadWidth(String highway, String lanes, String width) {
        if (width != null) {
            try {
                double w = Double.parseDouble(width.replace("m", "").strip());
                if (w > 0.5 && w < 60) {
                    return w;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the class default
            }
        }
        double base = switch (highway) {
            case "motorway", "trunk" -> 12;
            case "primary", "motorway_link", "trunk_link" -> 10;
            case "secondary", "primary_link" -> 8.5;
            case "tertiary", "secondary_link", "tertiary_link" -> 7.5;
            case "residential", "unclassified", "living_street", "road" -> 6;
            case "pedestrian" -> 7;
            case "service" -> 4;
            case "track" -> 3;
            case "footway", "path", "cycleway", "bridleway", "steps" -> 2.2;
            default -> 0;
        };
        if (lanes != null && base >= 6) {
            try {
                int n = Integer.parseInt(lanes.strip());
                if (n >= 1 && n <= 10) {
                    return Math.max(base, n * 3.25);
                }
            } catch (NumberFormatException ignored) {
                // keep the class default
            }
        }
        return base;
    }
}
