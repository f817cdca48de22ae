package org.urbangraph.ugdata.graph;

import java.util.List;
import org.urbangraph.ugdata.geo.PolylineProjection;

/**
 * The geometry of one merged street: the polylines of its OSM ways (a street split into many ways, or a dual
 * carriageway, is one street with several polylines).
 *
 * @param osmWayIds the OSM ways merged into this street
 * @param lons longitudes, one array per polyline
 * @param lats latitudes, one array per polyline
 * @param tunnel per polyline: true when it runs in a tunnel or under cover
 * @param highway the highway class covering most of the street's length
 * @param lengthM total length of all polylines
 * @param segmentHighway per polyline, the highway class of each segment (segment {@code i} runs from vertex
 *     {@code i} to {@code i + 1}): that of the OSM way it comes from, since a polyline may chain ways of several
 *     classes (a residential road that goes on as a footway)
 */
public record StreetGeometry(long[] osmWayIds, List<double[]> lons, List<double[]> lats, List<Boolean> tunnel,
        String highway, double lengthM, List<String[]> segmentHighway) {

    /** The projection of (lon, lat) onto the nearest of the polylines, with the polyline's index. */
    public Hit project(double lon, double lat) {
        Hit best = null;
        for (int i = 0; i < lons.size(); i++) {
            PolylineProjection p = PolylineProjection.project(lon, lat, lons.get(i), lats.get(i));
            if (best == null || p.distanceM() < best.projection().distanceM()) {
                best = new Hit(i, p);
            }
        }
        return best;
    }

    /**
     * The projection of (lon, lat) onto the nearest polyline that is not in a tunnel or under cover, or null when
     * every polyline of the street is.
     */
    public Hit projectOpenAir(double lon, double lat) {
        Hit best = null;
        for (int i = 0; i < lons.size(); i++) {
            if (tunnel.get(i)) {
                continue;
            }
            PolylineProjection p = PolylineProjection.project(lon, lat, lons.get(i), lats.get(i));
            if (best == null || p.distanceM() < best.projection().distanceM()) {
                best = new Hit(i, p);
            }
        }
        return best;
    }

    public record Hit(int polyline, PolylineProjection projection) {}
}
