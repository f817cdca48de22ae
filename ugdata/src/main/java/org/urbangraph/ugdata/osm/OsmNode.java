package org.urbangraph.ugdata.osm;

import java.util.Map;

/** A tagged OSM node (untagged nodes live only as coordinates in {@link NodeStore}). */
public record OsmNode(long id, double lon, double lat, Map<String, String> tags) {
    public String tag(String key) {
        return tags.get(key);
    }
}
