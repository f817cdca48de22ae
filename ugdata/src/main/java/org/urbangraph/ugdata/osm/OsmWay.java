package org.urbangraph.ugdata.osm;

import java.util.Map;

/**
 * An OSM way with its node references resolved to coordinates. References to nodes outside a clipped extract
 * are dropped (and counted by the reader), so {@code nodeIds}, {@code lons} and {@code lats} hold only the
 * nodes the file has.
 *
 * @param closed true when the original way's first and last reference are the same node (a ring)
 */
public record OsmWay(long id, long[] nodeIds, double[] lons, double[] lats, Map<String, String> tags, boolean closed) {
    public String tag(String key) {
        return tags.get(key);
    }

    public int size() {
        return nodeIds.length;
    }
}
