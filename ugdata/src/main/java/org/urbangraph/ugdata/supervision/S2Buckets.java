package org.urbangraph.ugdata.supervision;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.graph.SpatialNode;

/**
 * Buckets images into S2 cells (level 18, about 30-40 m across) and keeps at most a few per cell, as the UGE
 * authors do before generating reasoning paths: dense photo sequences would otherwise give many near-identical
 * paths. Which images stay in a crowded cell is a seeded choice.
 */
public final class S2Buckets {
    public static final int DEFAULT_LEVEL = 18;

    private S2Buckets() {}

    /** The S2 cell token of a point at a level. */
    public static String cellToken(double lon, double lat, int level) {
        return S2CellId.fromLatLng(S2LatLng.fromDegrees(lat, lon)).parent(level).toToken();
    }

    /** Images grouped by cell (cells in first-seen order), each group cut to {@code maxPerCell}. */
    public static Map<String, List<SpatialNode>> select(List<SpatialNode> images, int level, int maxPerCell, long seed) {
        if (maxPerCell < 1) {
            throw new IllegalArgumentException("maxPerCell must be at least 1, got " + maxPerCell);
        }
        Map<String, List<SpatialNode>> cells = new LinkedHashMap<>();
        for (SpatialNode img : images) {
            cells.computeIfAbsent(cellToken(img.lon(), img.lat(), level), k -> new ArrayList<>()).add(img);
        }
        Map<String, List<SpatialNode>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<SpatialNode>> e : cells.entrySet()) {
            List<SpatialNode> list = new ArrayList<>(e.getValue());
            if (list.size() > maxPerCell) {
                list.sort(Comparator.comparingLong((SpatialNode n) -> mix(seed, n.index())).thenComparingInt(SpatialNode::index));
                list = new ArrayList<>(list.subList(0, maxPerCell));
                list.sort(Comparator.comparingInt(SpatialNode::index));
            }
            out.put(e.getKey(), List.copyOf(list));
        }
        return out;
    }

    /** A seeded 64-bit mix (SplitMix64 finaliser) for stable pseudo-random orders. */
    public static long mix(long seed, long x) {
        long z = seed * 0x9E3779B97F4A7C15L + x + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
