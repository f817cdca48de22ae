package org.urbangraph.ugdata.osm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.BuildIssues;

/**
 * Receives the elements a reader decodes (PBF or XML) and keeps what UGData uses: coordinates of every node,
 * tagged nodes, and ways whose tags make them a street, building, area, water or POI. {@link #finish} resolves
 * way references against the nodes read; references to nodes the extract lacks are skipped and counted.
 */
final class OsmCollector {
    /** Way keys that UGData uses; ways with none of them are counted and dropped. */
    static final Set<String> WAY_KEYS = Set.of("highway", "building", "landuse", "leisure", "natural", "waterway",
            "water", "amenity", "shop", "tourism", "historic", "office", "craft", "public_transport", "railway",
            "man_made", "healthcare");
    /** Tags that say nothing about the feature; a node with only these is stored as coordinates only. */
    private static final Set<String> NOISE_KEYS = Set.of("created_by", "source", "fixme", "FIXME", "note");

    private final NodeStore coords = new NodeStore();
    private final List<OsmNode> nodes = new ArrayList<>();
    private final List<long[]> wayRefs = new ArrayList<>();
    private final List<Long> wayIds = new ArrayList<>();
    private final List<Map<String, String>> wayTags = new ArrayList<>();
    private long nodesRead;
    private long waysRead;
    private long relationsRead;

    void node(long id, double lon, double lat, Map<String, String> tags) {
        nodesRead++;
        coords.add(id, lon, lat);
        if (tags != null && !tags.isEmpty() && !NOISE_KEYS.containsAll(tags.keySet())) {
            nodes.add(new OsmNode(id, lon, lat, Map.copyOf(tags)));
        }
    }

    void way(long id, long[] refs, Map<String, String> tags) {
        waysRead++;
        if (tags == null || refs.length < 2) {
            return;
        }
        boolean keep = false;
        for (String k : tags.keySet()) {
            if (WAY_KEYS.contains(k)) {
                keep = true;
                break;
            }
        }
        if (keep) {
            wayIds.add(id);
            wayRefs.add(refs);
            wayTags.add(Map.copyOf(tags));
        }
    }

    void relation() {
        relationsRead++;
    }

    OsmData finish(Path source, BuildIssues issues) {
        coords.seal();
        List<OsmWay> ways = new ArrayList<>(wayIds.size());
        long missing = 0;
        long waysWithMissing = 0;
        double minLon = Double.POSITIVE_INFINITY;
        double minLat = Double.POSITIVE_INFINITY;
        double maxLon = Double.NEGATIVE_INFINITY;
        double maxLat = Double.NEGATIVE_INFINITY;
        for (int w = 0; w < wayIds.size(); w++) {
            long[] refs = wayRefs.get(w);
            long[] ids = new long[refs.length];
            double[] lo = new double[refs.length];
            double[] la = new double[refs.length];
            int n = 0;
            for (long ref : refs) {
                int i = coords.indexOf(ref);
                if (i < 0) {
                    missing++;
                    continue;
                }
                ids[n] = ref;
                lo[n] = coords.lon(i);
                la[n] = coords.lat(i);
                n++;
            }
            if (n < refs.length) {
                waysWithMissing++;
            }
            if (n < 2) {
                continue;
            }
            Map<String, String> tags = wayTags.get(w);
            boolean closed = refs[0] == refs[refs.length - 1] && n == refs.length;
            ways.add(new OsmWay(wayIds.get(w), java.util.Arrays.copyOf(ids, n), java.util.Arrays.copyOf(lo, n),
                    java.util.Arrays.copyOf(la, n), tags, closed));
            if (tags.containsKey("highway")) {
                for (int k = 0; k < n; k++) {
                    minLon = Math.min(minLon, lo[k]);
                    maxLon = Math.max(maxLon, lo[k]);
                    minLat = Math.min(minLat, la[k]);
                    maxLat = Math.max(maxLat, la[k]);
                }
            }
        }
        if (missing > 0) {
            issues.count(BuildIssues.Kind.OSM_MISSING_NODE_REF, (int) Math.min(Integer.MAX_VALUE, missing),
                    source.toString(), missing + " references in " + waysWithMissing
                            + " ways point to nodes outside the extract; those references were skipped");
        }
        OsmBounds extent = Double.isFinite(minLon) ? new OsmBounds(minLon, minLat, maxLon, maxLat) : null;
        // wayRefs etc. are no longer needed; let them go before the graph is built
        wayRefs.clear();
        return new OsmData(source, List.copyOf(nodes), List.copyOf(ways), extent, nodesRead, waysRead, relationsRead);
    }
}
