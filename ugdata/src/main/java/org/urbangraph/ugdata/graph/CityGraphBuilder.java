package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.locationtech.jts.geom.Envelope;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.geo.PolylineProjection;
import org.urbangraph.ugdata.osm.OsmData;
import org.urbangraph.ugdata.osm.OsmFeatures;
import org.urbangraph.ugdata.osm.OsmNode;
import org.urbangraph.ugdata.osm.OsmWay;

/**
 * Builds a city's {@link CityGraph} from an OSM extract: streets (named highway ways merged by name), crossings
 * (shared nodes of different streets; three or more streets make a complex crossing), POIs (named nodes and
 * ways with a POI key), and areas (land-use / leisure / natural polygons), then the relation-typed edges.
 *
 * <p>Every neighbour search goes through a spatial index, so the build is near-linear in the size of the city.
 * Node indices are assigned in a fixed order (streets, crossings, POIs, areas; each in file or id order), so the
 * same extract always gives the same graph.
 */
public final class CityGraphBuilder {
    private CityGraphBuilder() {}

    public static CityGraph build(OsmData osm, String city, GraphSettings settings) {
        return build(osm, city, settings, new BuildIssues(null));
    }

    /**
     * As {@link #build(OsmData, String, GraphSettings)}, reporting the OSM elements skipped on the way (areas whose
     * outline encloses no area) to {@code issues}.
     */
    public static CityGraph build(OsmData osm, String city, GraphSettings settings, BuildIssues issues) {
        if (osm.extent() == null) {
            throw new IllegalArgumentException(osm.source() + ": the extract holds no highway ways, so no street graph"
                    + " can be built");
        }
        CityGraph g = new CityGraph(city, osm.extent(), settings);
        List<StreetMerger.Street> streets = StreetMerger.merge(osm.ways(), settings.streetMergeGapM());
        if (streets.isEmpty()) {
            throw new IllegalArgumentException(osm.source() + ": the extract has no named streets (highway ways with"
                    + " a name), so no street graph can be built");
        }
        List<SpatialNode> streetNodes = addStreets(g, streets);
        Map<SpatialNode, Set<Long>> crossingOsmNodes = new HashMap<>();
        Map<SpatialNode, List<SpatialNode>> crossingStreets = addCrossings(g, streets, streetNodes, settings,
                crossingOsmNodes);
        addPois(g, osm);
        if (settings.includeAreas()) {
            addAreas(g, osm, settings, issues);
        }
        g.buildIndexes();
        linkCrossings(g, crossingStreets, crossingOsmNodes, streets, streetNodes);
        linkPois(g, settings);
        if (settings.includeAreas()) {
            linkAreas(g);
        }
        return g;
    }

    // ---- nodes ----

    /** Highway classes from most to least important, for naming a street's class. */
    static final List<String> CLASS_ORDER = List.of("motorway", "trunk", "primary", "secondary", "tertiary",
            "unclassified", "residential", "living_street", "pedestrian", "road", "motorway_link", "trunk_link",
            "primary_link", "secondary_link", "tertiary_link", "service", "track", "busway", "cycleway", "bridleway",
            "footway", "path", "steps");

    /**
     * The class of a merged street: the most important class covering at least a quarter of its length (a
     * roundabout ringed by cycle tracks is still a road), otherwise the class with the most length.
     */
    static String streetClass(Map<String, Double> lengthByClass, double total) {
        for (String c : CLASS_ORDER) {
            Double len = lengthByClass.get(c);
            if (len != null && len >= 0.25 * total) {
                return c;
            }
        }
        return lengthByClass.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static List<SpatialNode> addStreets(CityGraph g, List<StreetMerger.Street> streets) {
        List<SpatialNode> out = new ArrayList<>(streets.size());
        for (int s = 0; s < streets.size(); s++) {
            StreetMerger.Street st = streets.get(s);
            Map<String, Double> lengthByClass = new TreeMap<>();
            double total = 0;
            double sumLon = 0;
            double sumLat = 0;
            int count = 0;
            for (int p = 0; p < st.lons().size(); p++) {
                double[] lo = st.lons().get(p);
                double[] la = st.lats().get(p);
                for (int i = 0; i < lo.length; i++) {
                    sumLon += lo[i];
                    sumLat += la[i];
                    count++;
                }
            }
            for (OsmWay w : st.ways()) {
                double len = PolylineProjection.length(w.lons(), w.lats());
                lengthByClass.merge(w.tag("highway"), len, Double::sum);
                total += len;
            }
            String highway = streetClass(lengthByClass, total);
            long[] wayIds = st.ways().stream().mapToLong(OsmWay::id).toArray();
            StreetGeometry geom = new StreetGeometry(wayIds, st.lons(), st.lats(), st.tunnel(), highway, total,
                    st.segmentHighway());
            PolylineProjection anchor = geom.project(sumLon / count, sumLat / count).projection();
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("highway", highway);
            attrs.put("length_m", fmt1(total));
            attrs.put("osm_ways", Integer.toString(wayIds.length));
            SpatialNode n = g.addNode("street/" + s, NodeKind.STREET, st.name(), highway, anchor.footLon(),
                    anchor.footLat(), attrs);
            g.setStreetGeometry(n, geom);
            out.add(n);
        }
        return out;
    }

    /**
     * Adds the crossings and returns each one's streets; fills {@code osmNodes} with each crossing's OSM nodes: its
     * own, and those merged into it (where a cross street meets the other carriageway of a dual carriageway).
     */
    private static Map<SpatialNode, List<SpatialNode>> addCrossings(CityGraph g, List<StreetMerger.Street> streets,
            List<SpatialNode> streetNodes, GraphSettings settings, Map<SpatialNode, Set<Long>> osmNodes) {
        Map<Long, Integer> firstStreet = new HashMap<>();
        Map<Long, TreeSet<Integer>> shared = new TreeMap<>();
        Map<Long, double[]> coords = new HashMap<>();
        for (int s = 0; s < streets.size(); s++) {
            StreetMerger.Street st = streets.get(s);
            for (int p = 0; p < st.nodeIds().size(); p++) {
                long[] ids = st.nodeIds().get(p);
                for (int i = 0; i < ids.length; i++) {
                    Integer prev = firstStreet.putIfAbsent(ids[i], s);
                    if (prev != null && prev != s) {
                        shared.computeIfAbsent(ids[i], k -> new TreeSet<>(List.of(prev))).add(s);
                        coords.put(ids[i], new double[] {st.lons().get(p)[i], st.lats().get(p)[i]});
                    }
                }
            }
        }
        // one crossing per street set and place: dual carriageways meet a cross street at two nodes a few metres apart
        Map<String, List<SpatialNode>> accepted = new HashMap<>();
        Map<SpatialNode, List<SpatialNode>> out = new LinkedHashMap<>();
        for (Map.Entry<Long, TreeSet<Integer>> e : shared.entrySet()) {
            double[] c = coords.get(e.getKey());
            String setKey = e.getValue().toString();
            List<SpatialNode> same = accepted.computeIfAbsent(setKey, k -> new ArrayList<>());
            SpatialNode dup = null;
            for (SpatialNode other : same) {
                if (Geo.haversine(c[0], c[1], other.lon(), other.lat()) < settings.crossingMergeM()) {
                    dup = other;
                    break;
                }
            }
            if (dup != null) {
                // kept as an alias: the crossing lies here too, on the lines that pass this node
                osmNodes.get(dup).add(e.getKey());
                continue;
            }
            List<SpatialNode> members = new ArrayList<>();
            for (int s : e.getValue()) {
                members.add(streetNodes.get(s));
            }
            List<String> names = new ArrayList<>(new TreeSet<>(members.stream().map(SpatialNode::name).toList()));
            boolean complex = members.size() >= 3;
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("osm", "n" + e.getKey());
            attrs.put("streets", String.join(" / ", names));
            attrs.put("street_count", Integer.toString(members.size()));
            SpatialNode n = g.addNode("crossing/n" + e.getKey(), NodeKind.CROSSING, "Intersection of "
                    + String.join(" and ", names), complex ? "complex_crossing" : "crossing", c[0], c[1], attrs);
            same.add(n);
            out.put(n, members);
            osmNodes.put(n, new java.util.LinkedHashSet<>(List.of(e.getKey())));
        }
        return out;
    }

    private static void addPois(CityGraph g, OsmData osm) {
        for (OsmNode n : osm.nodes()) {
            OsmFeatures.PoiKind kind = OsmFeatures.poi(n.tags());
            if (kind != null) {
                g.addNode("poi/n" + n.id(), NodeKind.POI, n.tag("name").strip(), kind.category(), n.lon(), n.lat(),
                        poiAttributes("n" + n.id(), kind, n.tags()));
            }
        }
        for (OsmWay w : osm.ways()) {
            if (w.tags().containsKey("highway")) {
                continue;
            }
            OsmFeatures.PoiKind kind = OsmFeatures.poi(w.tags());
            if (kind == null || (w.closed() && OsmFeatures.areaClass(w.tags()) != null)) {
                continue; // named parks and the like become areas, not POIs
            }
            double lon = 0;
            double lat = 0;
            int n = w.closed() ? w.size() - 1 : w.size();
            for (int i = 0; i < n; i++) {
                lon += w.lons()[i];
                lat += w.lats()[i];
            }
            g.addNode("poi/w" + w.id(), NodeKind.POI, w.tag("name").strip(), kind.category(), lon / n, lat / n,
                    poiAttributes("w" + w.id(), kind, w.tags()));
        }
    }

    private static Map<String, String> poiAttributes(String osmId, OsmFeatures.PoiKind kind, Map<String, String> tags) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("osm", osmId);
        a.put("group", kind.group());
        for (String k : List.of("addr:street", "addr:housenumber", "addr:postcode", "addr:city", "name:en",
                "cuisine", "wikidata")) {
            String v = tags.get(k);
            if (v != null && !v.isBlank()) {
                a.put(k, v.strip());
            }
        }
        String district = tags.getOrDefault("addr:suburb", tags.get("addr:district"));
        if (district != null && !district.isBlank()) {
            a.put("district", district.strip());
        }
        return a;
    }

    private static void addAreas(CityGraph g, OsmData osm, GraphSettings settings, BuildIssues issues) {
        for (OsmWay w : osm.ways()) {
            if (!w.closed() || w.size() < 4 || w.tags().containsKey("highway") || OsmFeatures.isBuilding(w.tags())) {
                continue;
            }
            String cls = OsmFeatures.areaClass(w.tags());
            if (cls == null) {
                continue;
            }
            String name = w.tag("name");
            boolean named = name != null && !name.isBlank();
            AreaGeometry geom = AreaGeometry.of(w.lons(), w.lats());
            if (geom == null) {
                // real extracts have such ways (all nodes on one line, or a node repeated): no inside, no anchor
                issues.report(BuildIssues.Kind.OSM_BAD_GEOMETRY, osm.source() + ": way " + w.id(), "area "
                        + (named ? "'" + name.strip() + "' " : "") + "(" + cls + ") encloses no area: its nodes are"
                        + " collinear or repeated; area skipped");
                continue;
            }
            if (!named && geom.areaM2() < settings.areaMinM2()) {
                continue;
            }
            double[] anchor = geom.anchor();
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("osm", "w" + w.id());
            attrs.put("area_m2", fmt1(geom.areaM2()));
            SpatialNode n = g.addNode("area/w" + w.id(), NodeKind.AREA, named ? name.strip() : cls.replace('_', ' ')
                    + " area", cls, anchor[0], anchor[1], attrs);
            g.setAreaGeometry(n, geom);
        }
    }

    // ---- edges ----

    /** A crossing's place on one polyline of a street: the polyline and the distance along it. */
    private record Stop(SpatialNode crossing, int polyline, double alongM) {}

    private static void linkCrossings(CityGraph g, Map<SpatialNode, List<SpatialNode>> crossingStreets,
            Map<SpatialNode, Set<Long>> crossingOsmNodes, List<StreetMerger.Street> streets,
            List<SpatialNode> streetNodes) {
        Set<Long> pairs = new HashSet<>();
        Map<SpatialNode, List<Stop>> onStreet = new LinkedHashMap<>();
        Map<SpatialNode, StreetMerger.Street> streetOf = new HashMap<>();
        for (int i = 0; i < streets.size(); i++) {
            streetOf.put(streetNodes.get(i), streets.get(i));
        }
        Map<SpatialNode, List<double[]>> alongOf = new HashMap<>();
        for (Map.Entry<SpatialNode, List<SpatialNode>> e : crossingStreets.entrySet()) {
            SpatialNode c = e.getKey();
            Set<Long> osmNodes = crossingOsmNodes.get(c);
            List<SpatialNode> members = e.getValue();
            Relation streetRelation = members.size() >= 3 ? Relation.COMPLEX_CROSSING : Relation.INTERSECTION;
            for (SpatialNode s : members) {
                StreetGeometry geom = g.streetGeometry(s);
                StreetGeometry.Hit hit = geom.project(c.lon(), c.lat());
                g.link(c, s, Relation.NEAREST, hit.projection().distanceM(), hit.projection().bearingDeg(), null);
                List<Stop> list = onStreet.computeIfAbsent(s, k -> new ArrayList<>());
                // the crossing sits at every vertex of the street that is its node or a node merged into it (the
                // other carriageway of a dual carriageway): on each polyline where the street's own ways branch
                // there, and twice on a line that passes it twice; the closing vertex of a ring is its first one,
                // reached again by the closing edge
                List<long[]> ids = streetOf.get(s).nodeIds();
                List<double[]> along = alongOf.computeIfAbsent(s, k -> cumulativeAlong(geom));
                boolean placed = false;
                for (int p = 0; p < ids.size(); p++) {
                    long[] line = ids.get(p);
                    int end = isRing(line) ? line.length - 1 : line.length;
                    for (int k = 0; k < end; k++) {
                        if (osmNodes.contains(line[k])) {
                            list.add(new Stop(c, p, along.get(p)[k]));
                            placed = true;
                        }
                    }
                }
                if (!placed) {
                    list.add(new Stop(c, hit.polyline(), hit.projection().alongM()));
                }
            }
            for (int i = 0; i < members.size(); i++) {
                for (int j = i + 1; j < members.size(); j++) {
                    SpatialNode a = members.get(i);
                    SpatialNode b = members.get(j);
                    long key = ((long) Math.min(a.index(), b.index()) << 32) | Math.max(a.index(), b.index());
                    if (pairs.add(key)) {
                        g.link(a.index() < b.index() ? a : b, a.index() < b.index() ? b : a, streetRelation, c.key());
                    }
                }
            }
        }
        // consecutive crossings along each street polyline, and round a ring from its last crossing back to its
        // first; two polylines that share a stretch give its pairs once
        for (Map.Entry<SpatialNode, List<Stop>> e : onStreet.entrySet()) {
            SpatialNode street = e.getKey();
            Set<Long> linked = new HashSet<>();
            List<Stop> list = e.getValue();
            list.sort(Comparator.comparingInt(Stop::polyline).thenComparingDouble(Stop::alongM)
                    .thenComparingInt(x -> x.crossing().index()));
            List<long[]> ids = streetOf.get(street).nodeIds();
            StreetGeometry geom = g.streetGeometry(street);
            int first = 0;
            for (int i = 0; i < list.size(); i++) {
                Stop s1 = list.get(i);
                if (i + 1 < list.size() && list.get(i + 1).polyline() == s1.polyline()) {
                    Stop s2 = list.get(i + 1);
                    linkAlong(g, street, linked, s1.crossing(), s2.crossing(), s2.alongM() - s1.alongM());
                    continue;
                }
                // s1 is the last stop on its polyline
                if (isRing(ids.get(s1.polyline()))) {
                    Stop s0 = list.get(first);
                    double total = PolylineProjection.length(geom.lons().get(s1.polyline()),
                            geom.lats().get(s1.polyline()));
                    linkAlong(g, street, linked, s1.crossing(), s0.crossing(), total - s1.alongM() + s0.alongM());
                }
                first = i + 1;
            }
        }
    }

    private static void linkAlong(CityGraph g, SpatialNode street, Set<Long> linked, SpatialNode c1, SpatialNode c2,
            double along) {
        if (along < 0.5 || c1 == c2 || !linked.add(((long) Math.min(c1.index(), c2.index()) << 32)
                | Math.max(c1.index(), c2.index()))) {
            return;
        }
        g.link(c1, c2, Relation.ON_SAME_STREET, along, Geo.bearing(c1.lon(), c1.lat(), c2.lon(), c2.lat()), street.key());
    }

    private static boolean isRing(long[] line) {
        return line.length > 2 && line[0] == line[line.length - 1];
    }

    /** Per polyline, the distance along it to each vertex, metres ({@link PolylineProjection#vertexAlong}). */
    private static List<double[]> cumulativeAlong(StreetGeometry geom) {
        List<double[]> out = new ArrayList<>();
        for (int p = 0; p < geom.lons().size(); p++) {
            out.add(PolylineProjection.vertexAlong(geom.lons().get(p), geom.lats().get(p)));
        }
        return out;
    }

    private static void linkPois(CityGraph g, GraphSettings settings) {
        Set<Long> pairs = new HashSet<>();
        for (SpatialNode p : g.nodes()) {
            if (p.kind() != NodeKind.POI) {
                continue;
            }
            CityGraph.StreetHit street = g.nearestStreet(p.lon(), p.lat(), settings.nearestStreetMaxM());
            if (street != null) {
                g.link(p, street.street(), Relation.NEAREST, street.distanceM(),
                        street.hit().projection().bearingDeg(), null);
            }
            for (PointIndex.Hit<SpatialNode> h : g.poiIndex().within(p.lon(), p.lat(), settings.nearRadiusM(),
                    settings.nearLimit() + 1)) {
                SpatialNode q = h.item();
                if (q == p) {
                    continue;
                }
                long key = ((long) Math.min(p.index(), q.index()) << 32) | Math.max(p.index(), q.index());
                if (pairs.add(key)) {
                    g.link(p, q, Relation.NEAR, null);
                }
            }
            for (PointIndex.Hit<SpatialNode> h : g.crossingIndex().within(p.lon(), p.lat(), settings.nearRadiusM(), 3)) {
                g.link(p, h.item(), Relation.NEAR, null);
            }
        }
    }

    private static void linkAreas(CityGraph g) {
        for (SpatialNode a : g.nodes()) {
            if (a.kind() != NodeKind.AREA) {
                continue;
            }
            AreaGeometry geom = g.areaGeometry(a);
            Envelope env = geom.envelope();
            for (SpatialNode s : g.streetsInEnvelope(env)) {
                if (geom.intersects(g.streetGeometry(s))) {
                    g.link(s, a, Relation.INTERSECTS, null);
                }
            }
        }
        for (SpatialNode p : g.nodes()) {
            if (p.kind() == NodeKind.POI || p.kind() == NodeKind.CROSSING) {
                for (SpatialNode a : g.areasContaining(p.lon(), p.lat())) {
                    g.link(a, p, Relation.BOUNDS, null);
                }
            }
        }
    }

    static String fmt1(double x) {
        return Double.toString(Math.round(x * 10) / 10.0);
    }
}
