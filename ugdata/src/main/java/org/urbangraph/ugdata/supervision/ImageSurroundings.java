package org.urbangraph.ugdata.supervision;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.PointIndex;
import org.urbangraph.ugdata.graph.Relation;
import org.urbangraph.ugdata.graph.SpatialEdge;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;

/**
 * The facts around one image that captions, place descriptions and benchmark questions are written from: the
 * street it stands on (its {@code nearest} edge), and every crossing, POI and street of the map within the radius,
 * with distance and bearing from the camera, nearest first.
 *
 * <p>They come from the city's spatial indexes, not from the image's subgraph: the subgraph is a capped
 * breadth-first walk over the graph, so it can miss places that are near but not reached (or not reached before
 * the cap), and a caption must state what is on the map.
 *
 * @param streetHighway highway class of the section of {@code street} the image stands on (that of its own OSM
 *     way, not of the merged street as a whole), null without a street
 * @param radiusM the radius the lists cover
 * @param streets streets other than {@code street} with some geometry within the radius
 */
public record ImageSurroundings(SpatialNode image, SpatialNode street, String streetHighway, double streetDistanceM,
        double radiusM,
        List<Nearby> crossings, List<Nearby> pois, List<Nearby> streets, List<SpatialNode> areas) {

    /** A node with its distance and bearing from the camera. */
    public record Nearby(SpatialNode node, double distanceM, double bearingDeg) {}

    /**
     * The surroundings of the subgraph's centre image within the subgraph's radius; the subgraph's nodes are not
     * used.
     */
    public static ImageSurroundings of(CityGraph g, Subgraph sub) {
        return of(g, sub.center(), sub.radiusM());
    }

    /** The surroundings of an anchored image node within {@code radiusM}, from the city's spatial indexes. */
    public static ImageSurroundings of(CityGraph g, SpatialNode img, double radiusM) {
        SpatialNode street = null;
        double streetDist = Double.NaN;
        List<SpatialNode> areas = new ArrayList<>();
        for (SpatialEdge e : g.graph().outgoingEdgesOf(img)) {
            if (e.relation() == Relation.NEAREST) {
                street = g.graph().getEdgeTarget(e);
                streetDist = e.lengthM();
            }
        }
        for (SpatialEdge e : g.graph().incomingEdgesOf(img)) {
            if (e.relation() == Relation.BOUNDS) {
                areas.add(g.graph().getEdgeSource(e));
            }
        }
        double lon = img.lon();
        double lat = img.lat();
        List<Nearby> crossings = nearby(g.crossingIndex(), lon, lat, radiusM);
        List<Nearby> pois = nearby(g.poiIndex(), lon, lat, radiusM);
        List<Nearby> streets = new ArrayList<>();
        for (CityGraph.StreetHit h : g.streetsWithin(lon, lat, radiusM)) {
            if (h.street() != street) {
                streets.add(new Nearby(h.street(), h.distanceM(), h.hit().projection().bearingDeg()));
            }
        }
        String highway = street == null ? null : img.attribute(CityGraph.STREET_HIGHWAY);
        if (street != null && highway == null) {
            highway = g.sectionHighway(g.cameraStreet(img.lon(), img.lat(), street.key(), Double.NaN, Double.NaN));
        }
        return new ImageSurroundings(img, street, highway, streetDist, radiusM, List.copyOf(crossings), List.copyOf(pois),
                List.copyOf(streets), List.copyOf(areas));
    }

    /** Streets with geometry within the radius, the camera's own street included when it is within it. */
    public int streetCount() {
        return streets.size() + (street != null && streetDistanceM <= radiusM ? 1 : 0);
    }

    /** Points of an index within the radius, nearest first (ties in index order). */
    private static List<Nearby> nearby(PointIndex<SpatialNode> index, double lon, double lat, double radiusM) {
        List<Nearby> out = new ArrayList<>();
        for (PointIndex.Hit<SpatialNode> h : index.within(lon, lat, radiusM, Integer.MAX_VALUE)) {
            SpatialNode n = h.item();
            out.add(new Nearby(n, h.distanceM(), Geo.bearing(lon, lat, n.lon(), n.lat())));
        }
        return out;
    }
}
