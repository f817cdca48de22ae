package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgrapht.Graph;
import org.jgrapht.graph.DirectedMultigraph;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.index.strtree.STRtree;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.osm.OsmBounds;

/**
 * One city's spatial graph (a JGraphT directed multigraph of {@link SpatialNode}s and typed
 * {@link SpatialEdge}s) with the geometry and spatial indexes that anchoring images, cutting subgraphs and
 * rendering need. {@link CityGraphBuilder} fills it; {@link #anchorImage} adds image nodes afterwards.
 *
 * <p>Edges are directed (a {@code nearest} edge goes from the point to the street), but neighbourhood questions
 * (subgraphs, reasoning paths) treat the graph as undirected, as the authors' code does.
 */
public final class CityGraph {
    /** Streets this much farther than the nearest one still count as near for choosing a photo's street. */
    public static final double NEAR_EQUAL_M = 10;
    /** A street runs along a heading when its direction is within this angle of it, either way. */
    public static final double ALIGNED_DEG = 30;
    /**
     * Image attribute: the highway class of the section of its street the image stands on (see
     * {@link #anchorImage(String, String, String, double, double, Map, String, String, double)}).
     */
    public static final String STREET_HIGHWAY = "street_highway";

    private final String city;
    private final OsmBounds extent;
    private final GraphSettings settings;
    private final Graph<SpatialNode, SpatialEdge> graph = new DirectedMultigraph<>(null, null, false);
    private final List<SpatialNode> nodes = new ArrayList<>();
    private final Map<Integer, StreetGeometry> streets = new HashMap<>();
    private final Map<Integer, AreaGeometry> areas = new HashMap<>();
    private final Map<String, SpatialNode> byKey = new HashMap<>();
    private final PointIndex<SpatialNode> poiIndex = new PointIndex<>();
    private final PointIndex<SpatialNode> crossingIndex = new PointIndex<>();
    private final STRtree segmentIndex = new STRtree();
    private final STRtree areaIndex = new STRtree();
    private final java.util.concurrent.ConcurrentHashMap<SpatialNode, String> texts = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean indexed;

    private record Segment(SpatialNode street, double lon1, double lat1, double lon2, double lat2) {}

    CityGraph(String city, OsmBounds extent, GraphSettings settings) {
        this.city = city;
        this.extent = extent;
        this.settings = settings;
    }

    public String city() {
        return city;
    }

    public OsmBounds extent() {
        return extent;
    }

    public GraphSettings settings() {
        return settings;
    }

    /** The JGraphT graph (read-only use: add nodes through the builder or {@link #anchorImage}). */
    public Graph<SpatialNode, SpatialEdge> graph() {
        return graph;
    }

    public List<SpatialNode> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public SpatialNode node(int index) {
        return nodes.get(index);
    }

    public SpatialNode byKey(String key) {
        return byKey.get(key);
    }

    public List<SpatialNode> nodesOf(NodeKind kind) {
        return nodes.stream().filter(n -> n.kind() == kind).toList();
    }

    public StreetGeometry streetGeometry(SpatialNode street) {
        return streets.get(street.index());
    }

    public AreaGeometry areaGeometry(SpatialNode area) {
        return areas.get(area.index());
    }

    /** The node's {@link NodeText}, cached: a node appears in many subgraphs with the same text. */
    public String nodeText(SpatialNode n, String cityName) {
        return texts.computeIfAbsent(n, k -> NodeText.of(k, cityName));
    }

    /** Node counts by kind. */
    public Map<NodeKind, Integer> nodeCounts() {
        Map<NodeKind, Integer> m = new EnumMap<>(NodeKind.class);
        for (SpatialNode n : nodes) {
            m.merge(n.kind(), 1, Integer::sum);
        }
        return m;
    }

    /** Edge counts by relation. */
    public Map<Relation, Integer> edgeCounts() {
        Map<Relation, Integer> m = new EnumMap<>(Relation.class);
        for (SpatialEdge e : graph.edgeSet()) {
            m.merge(e.relation(), 1, Integer::sum);
        }
        return m;
    }

    // ---- construction (package-private: CityGraphBuilder) ----

    SpatialNode addNode(String key, NodeKind kind, String name, String category, double lon, double lat,
            Map<String, String> attributes) {
        if (byKey.containsKey(key)) {
            throw new IllegalStateException("duplicate node key " + key);
        }
        SpatialNode n = new SpatialNode(nodes.size(), key, kind, name, category, lon, lat, attributes);
        nodes.add(n);
        byKey.put(key, n);
        graph.addVertex(n);
        return n;
    }

    void setStreetGeometry(SpatialNode street, StreetGeometry g) {
        streets.put(street.index(), g);
    }

    void setAreaGeometry(SpatialNode area, AreaGeometry g) {
        areas.put(area.index(), g);
    }

    /** Adds an edge whose length and bearing are those between the two nodes' anchor points. */
    SpatialEdge link(SpatialNode from, SpatialNode to, Relation relation, String via) {
        double d = Geo.haversine(from.lon(), from.lat(), to.lon(), to.lat());
        return link(from, to, relation, d, d < 1e-6 ? 0 : Geo.bearing(from.lon(), from.lat(), to.lon(), to.lat()), via);
    }

    SpatialEdge link(SpatialNode from, SpatialNode to, Relation relation, double lengthM, double bearingDeg,
            String via) {
        // rounding can carry a bearing just short of 360 (359.97) up to 360.0, which is north: written as 0.0
        double bearing = round(Geo.normalizeDegrees(bearingDeg), 10);
        SpatialEdge e = new SpatialEdge(relation, round(lengthM, 10), bearing >= 360 ? 0.0 : bearing, via);
        graph.addEdge(from, to, e);
        return e;
    }

    static double round(double x, double scale) {
        return Math.round(x * scale) / scale;
    }

    /** Builds the spatial indexes over the nodes added so far (POIs, crossings, street segments, areas). */
    void buildIndexes() {
        for (SpatialNode n : nodes) {
            switch (n.kind()) {
                case POI -> poiIndex.add(n, n.lon(), n.lat());
                case CROSSING -> crossingIndex.add(n, n.lon(), n.lat());
                case STREET -> {
                    StreetGeometry g = streets.get(n.index());
                    for (int p = 0; p < g.lons().size(); p++) {
                        double[] lo = g.lons().get(p);
                        double[] la = g.lats().get(p);
                        for (int i = 0; i + 1 < lo.length; i++) {
                            segmentIndex.insert(new Envelope(lo[i], lo[i + 1], la[i], la[i + 1]),
                                    new Segment(n, lo[i], la[i], lo[i + 1], la[i + 1]));
                        }
                    }
                }
                case AREA -> areaIndex.insert(areas.get(n.index()).envelope(), n);
                default -> { }
            }
        }
        poiIndex.build();
        crossingIndex.build();
        segmentIndex.build();
        areaIndex.build();
        indexed = true;
    }

    // ---- queries ----

    public PointIndex<SpatialNode> poiIndex() {
        return poiIndex;
    }

    public PointIndex<SpatialNode> crossingIndex() {
        return crossingIndex;
    }

    /** A street and where a point projects onto it. */
    public record StreetHit(SpatialNode street, StreetGeometry.Hit hit) {
        public double distanceM() {
            return hit.projection().distanceM();
        }
    }

    /** Streets with a segment within {@code radiusM} of the point, nearest first. */
    public List<StreetHit> streetsWithin(double lon, double lat, double radiusM) {
        return streetsWithin(lon, lat, radiusM, false);
    }

    /**
     * Streets with a segment within {@code radiusM} of the point, nearest first; with {@code openAir}, only their
     * polylines outside tunnels count (a street that runs only in tunnels is left out).
     */
    public List<StreetHit> streetsWithin(double lon, double lat, double radiusM, boolean openAir) {
        requireIndexed();
        LocalFrame f = LocalFrame.at(lon, lat);
        double dx = f.degLon(radiusM);
        double dy = f.degLat(radiusM);
        Set<SpatialNode> candidates = new LinkedHashSet<>();
        segmentIndex.query(new Envelope(lon - dx, lon + dx, lat - dy, lat + dy), o -> candidates.add(((Segment) o).street));
        List<StreetHit> hits = new ArrayList<>();
        for (SpatialNode s : candidates) {
            StreetGeometry g = streets.get(s.index());
            StreetGeometry.Hit h = openAir ? g.projectOpenAir(lon, lat) : g.project(lon, lat);
            if (h != null && h.projection().distanceM() <= radiusM) {
                hits.add(new StreetHit(s, h));
            }
        }
        hits.sort((a, b) -> a.distanceM() != b.distanceM() ? Double.compare(a.distanceM(), b.distanceM())
                : Integer.compare(a.street.index(), b.street.index()));
        return hits;
    }

    /** The nearest street within {@code maxM}, or null. */
    public StreetHit nearestStreet(double lon, double lat, double maxM) {
        double r = Math.min(50, maxM);
        while (true) {
            List<StreetHit> hits = streetsWithin(lon, lat, r);
            if (!hits.isEmpty()) {
                return hits.getFirst();
            }
            if (r >= maxM) {
                return null;
            }
            r = Math.min(maxM, r * 3);
        }
    }

    /**
     * The street a camera at (lon, lat) stands on. With {@code streetKey} (a rendered view: the street its camera
     * was placed on) that street, measured to its polylines outside tunnels. Otherwise (a photo) the nearest
     * street within {@code maxM}, counting only polylines outside tunnels and under no cover; among the streets
     * within {@link #NEAR_EQUAL_M} of the nearest one, the nearest that runs within {@link #ALIGNED_DEG} of the
     * heading (either way) wins, when the heading is known. Only when no open-air street is within {@code maxM}
     * does a tunnel count. Null when no street is within {@code maxM}.
     */
    public StreetHit cameraStreet(double lon, double lat, String streetKey, double headingDeg, double maxM) {
        requireIndexed();
        if (streetKey != null) {
            SpatialNode s = byKey.get(streetKey);
            if (s == null || s.kind() != NodeKind.STREET) {
                throw new IllegalArgumentException("camera street " + streetKey + " is not a street of " + city);
            }
            StreetGeometry g = streets.get(s.index());
            StreetGeometry.Hit h = g.projectOpenAir(lon, lat);
            return new StreetHit(s, h != null ? h : g.project(lon, lat));
        }
        double r = Math.min(50, maxM);
        while (true) {
            List<StreetHit> hits = streetsWithin(lon, lat, Math.min(maxM, r + NEAR_EQUAL_M), true);
            if (!hits.isEmpty() && hits.getFirst().distanceM() <= r) {
                double limit = hits.getFirst().distanceM() + NEAR_EQUAL_M;
                if (!Double.isNaN(headingDeg)) {
                    for (StreetHit h : hits) {
                        if (h.distanceM() > limit) {
                            break;
                        }
                        if (axisDifference(headingDeg, h.hit().projection().lineBearingDeg()) <= ALIGNED_DEG) {
                            return h;
                        }
                    }
                }
                return hits.getFirst();
            }
            if (r >= maxM) {
                return nearestStreet(lon, lat, maxM);
            }
            r = Math.min(maxM, r * 3);
        }
    }

    /** The angle between two directions taken as undirected lines, 0 to 90 degrees. */
    static double axisDifference(double aDeg, double bDeg) {
        double d = Geo.normalizeDegrees(aDeg - bDeg) % 180;
        return Math.min(d, 180 - d);
    }

    /** Area nodes whose polygon contains the point. */
    public List<SpatialNode> areasContaining(double lon, double lat) {
        requireIndexed();
        List<SpatialNode> out = new ArrayList<>();
        areaIndex.query(new Envelope(lon, lon, lat, lat), o -> {
            SpatialNode a = (SpatialNode) o;
            if (areas.get(a.index()).contains(lon, lat)) {
                out.add(a);
            }
        });
        out.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return out;
    }

    /** Streets with a segment in the given box, in index order. */
    List<SpatialNode> streetsInEnvelope(Envelope env) {
        Set<SpatialNode> out = new LinkedHashSet<>();
        segmentIndex.query(env, o -> out.add(((Segment) o).street));
        List<SpatialNode> list = new ArrayList<>(out);
        list.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return list;
    }

    /**
     * Distance in metres from a point to a node: to its geometry for streets (perpendicular) and areas (0 inside),
     * to its anchor for everything else.
     */
    public double distanceTo(SpatialNode node, double lon, double lat) {
        return switch (node.kind()) {
            case STREET -> streets.get(node.index()).project(lon, lat).projection().distanceM();
            case AREA -> areas.get(node.index()).distanceM(lon, lat);
            default -> Geo.haversine(lon, lat, node.lon(), node.lat());
        };
    }

    /**
     * As {@link #anchorImage(String, String, String, double, double, Map, String, double)} for a photo without
     * heading.
     */
    public SpatialNode anchorImage(String imageId, String name, String category, double lon, double lat,
            Map<String, String> attributes) {
        return anchorImage(imageId, name, category, lon, lat, attributes, null, null, Double.NaN);
    }

    /**
     * As {@link #anchorImage(String, String, String, double, double, Map, String, String, double)}, with the class
     * of the street section read from where the image projects onto its street.
     */
    public SpatialNode anchorImage(String imageId, String name, String category, double lon, double lat,
            Map<String, String> attributes, String streetKey, double headingDeg) {
        return anchorImage(imageId, name, category, lon, lat, attributes, streetKey, null, headingDeg);
    }

    /**
     * Adds an image node and links it into the graph: {@code nearest} to the street it stands on (see
     * {@link #cameraStreet}; perpendicular distance and bearing to the foot point), {@code near} to POIs and
     * crossings around it, and {@code bounds} from each area that contains it. With a street, the image gets the
     * attribute {@value #STREET_HIGHWAY}: the highway class of the section of the street it stands on (that of its
     * own OSM way; a merged street chains ways of several classes, and its class is only that of most of its
     * length). Not thread-safe: anchor all images before cutting subgraphs in parallel.
     *
     * @param streetKey the street a rendered view's camera was placed on, or null for a photo
     * @param streetHighway the class of the section a rendered view's camera was placed on, or null to take that
     *     of the segment the image projects onto
     * @param headingDeg the camera heading, NaN when unknown
     * @return the image node
     */
    public SpatialNode anchorImage(String imageId, String name, String category, double lon, double lat,
            Map<String, String> attributes, String streetKey, String streetHighway, double headingDeg) {
        requireIndexed();
        StreetHit street = cameraStreet(lon, lat, streetKey, headingDeg, settings.nearestStreetMaxM());
        Map<String, String> attrs = new java.util.LinkedHashMap<>(attributes);
        if (street != null) {
            attrs.put(STREET_HIGHWAY, streetHighway != null ? streetHighway : sectionHighway(street));
        }
        SpatialNode img = addNode("image/" + imageId, NodeKind.IMAGE, name, category, lon, lat, attrs);
        if (street != null) {
            link(img, street.street(), Relation.NEAREST, street.distanceM(), street.hit().projection().bearingDeg(), null);
        }
        for (PointIndex.Hit<SpatialNode> h : crossingIndex.within(lon, lat, settings.imageNearRadiusM(), 5)) {
            link(img, h.item(), Relation.NEAR, null);
        }
        for (PointIndex.Hit<SpatialNode> h : poiIndex.within(lon, lat, settings.imageNearRadiusM(),
                settings.imageNearLimit())) {
            link(img, h.item(), Relation.NEAR, null);
        }
        if (settings.includeAreas()) {
            for (SpatialNode a : areasContaining(lon, lat)) {
                link(a, img, Relation.BOUNDS, null);
            }
        }
        return img;
    }

    /** The highway class of the segment a street hit lies on. */
    public String sectionHighway(StreetHit hit) {
        return streets.get(hit.street().index()).segmentHighway().get(hit.hit().polyline())[hit.hit().projection()
                .segment()];
    }

    private void requireIndexed() {
        if (!indexed) {
            throw new IllegalStateException("CityGraph indexes are not built yet");
        }
    }
}
