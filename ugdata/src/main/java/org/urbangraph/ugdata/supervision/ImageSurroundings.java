package org.urbangraph.ugdata.supervision;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.Relation;
import org.urbangraph.ugdata.graph.SpatialEdge;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;

/**
 * The facts around one image that captions, place descriptions and benchmark questions are written from: the
 * street it stands on, and the crossings, POIs and streets of its subgraph with distance and bearing from the
 * camera, nearest first.
 */
public record ImageSurroundings(SpatialNode image, SpatialNode street, double streetDistanceM, List<Nearby> crossings,
        List<Nearby> pois, List<Nearby> streets, List<SpatialNode> areas) {

    /** A node with its distance and bearing from the camera. */
    public record Nearby(SpatialNode node, double distanceM, double bearingDeg) {}

    public static ImageSurroundings of(CityGraph g, Subgraph sub) {
        SpatialNode img = sub.center();
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
        List<Nearby> crossings = new ArrayList<>();
        List<Nearby> pois = new ArrayList<>();
        List<Nearby> streets = new ArrayList<>();
        for (SpatialNode n : sub.nodes()) {
            if (n == img) {
                continue;
            }
            if (n.kind() == NodeKind.STREET) {
                if (n != street) {
                    var hit = g.streetGeometry(n).project(img.lon(), img.lat()).projection();
                    streets.add(new Nearby(n, hit.distanceM(), hit.bearingDeg()));
                }
                continue;
            }
            double d = Geo.haversine(img.lon(), img.lat(), n.lon(), n.lat());
            double b = Geo.bearing(img.lon(), img.lat(), n.lon(), n.lat());
            if (n.kind() == NodeKind.CROSSING) {
                crossings.add(new Nearby(n, d, b));
            } else if (n.kind() == NodeKind.POI) {
                pois.add(new Nearby(n, d, b));
            }
        }
        Comparator<Nearby> nearestFirst = Comparator.comparingDouble(Nearby::distanceM)
                .thenComparingInt(x -> x.node().index());
        crossings.sort(nearestFirst);
        pois.sort(nearestFirst);
        streets.sort(nearestFirst);
        return new ImageSurroundings(img, street, streetDist, List.copyOf(crossings), List.copyOf(pois),
                List.copyOf(streets), List.copyOf(areas));
    }
}
