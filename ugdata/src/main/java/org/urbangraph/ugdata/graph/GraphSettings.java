package org.urbangraph.ugdata.graph;

/**
 * How the city graph links its nodes. The defaults follow the UGE authors' scales (a 700 m subgraph, street
 * links within a few hundred metres) and keep a dense old town from producing a near-complete POI graph.
 *
 * @param nearRadiusM POI-POI and POI-crossing {@code near} edges reach this far
 * @param nearLimit at most this many {@code near} edges from one POI to other POIs (nearest first)
 * @param nearestStreetMaxM a POI or image links to its nearest street only within this distance
 * @param imageNearRadiusM an image links to POIs and crossings within this distance
 * @param imageNearLimit at most this many POI {@code near} edges per image
 * @param includeAreas whether land-use / leisure / natural polygons become area nodes
 * @param areaMinM2 unnamed polygons smaller than this are left out
 * @param streetMergeGapM ways of the same name whose boxes come closer than this are one street
 * @param crossingMergeM crossings of the same streets closer than this are one crossing
 */
public record GraphSettings(double nearRadiusM, int nearLimit, double nearestStreetMaxM, double imageNearRadiusM,
        int imageNearLimit, boolean includeAreas, double areaMinM2, double streetMergeGapM, double crossingMergeM) {

    public static GraphSettings defaults() {
        return new GraphSettings(100, 5, 300, 150, 10, true, 5_000, 60, 30);
    }

    public GraphSettings {
        if (nearRadiusM <= 0 || nearestStreetMaxM <= 0 || imageNearRadiusM <= 0) {
            throw new IllegalArgumentException("graph radii must be positive");
        }
        if (nearLimit < 0 || imageNearLimit < 0) {
            throw new IllegalArgumentException("near limits must not be negative");
        }
    }
}
