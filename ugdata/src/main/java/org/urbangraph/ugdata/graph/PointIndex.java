package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.index.strtree.STRtree;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.geo.LocalFrame;

/**
 * Radius and k-nearest queries over points (lon/lat) with a JTS {@link STRtree}, so that linking every POI or
 * image to its neighbours costs a log-time lookup instead of a scan of the city. Built once; thread-safe to
 * query afterwards.
 */
public final class PointIndex<T> {

    /** A hit: the item and its haversine distance from the query point. */
    public record Hit<T>(T item, double distanceM) {}

    private record Entry<T>(T item, double lon, double lat, int order) {}

    private final STRtree tree = new STRtree();
    private int size;

    public void add(T item, double lon, double lat) {
        tree.insert(new Envelope(lon, lon, lat, lat), new Entry<>(item, lon, lat, size++));
    }

    /** Finishes the index; queries are allowed (from any thread) only after this. */
    public PointIndex<T> build() {
        tree.build();
        return this;
    }

    public int size() {
        return size;
    }

    /** Items within {@code radiusM} of (lon, lat), nearest first (ties by insertion order), at most {@code limit}. */
    public List<Hit<T>> within(double lon, double lat, double radiusM, int limit) {
        if (size == 0) {
            return List.of();
        }
        LocalFrame f = LocalFrame.at(lon, lat);
        double dx = f.degLon(radiusM);
        double dy = f.degLat(radiusM);
        List<Entry<T>> found = new ArrayList<>();
        tree.query(new Envelope(lon - dx, lon + dx, lat - dy, lat + dy), o -> {
            @SuppressWarnings("unchecked")
            Entry<T> e = (Entry<T>) o;
            found.add(e);
        });
        record Scored<T>(Entry<T> e, double d) {}
        List<Scored<T>> scored = new ArrayList<>(found.size());
        for (Entry<T> e : found) {
            double d = Geo.haversine(lon, lat, e.lon, e.lat);
            if (d <= radiusM) {
                scored.add(new Scored<>(e, d));
            }
        }
        scored.sort(Comparator.<Scored<T>>comparingDouble(Scored::d).thenComparingInt(s -> s.e.order));
        List<Hit<T>> out = new ArrayList<>(Math.min(limit, scored.size()));
        for (int i = 0; i < scored.size() && i < limit; i++) {
            out.add(new Hit<>(scored.get(i).e.item, scored.get(i).d));
        }
        return out;
    }

    /** The k nearest items, searching outwards up to {@code maxRadiusM}. */
    public List<Hit<T>> nearest(double lon, double lat, int k, double maxRadiusM) {
        double r = Math.min(100, maxRadiusM);
        while (true) {
            List<Hit<T>> hits = within(lon, lat, r, k);
            if (hits.size() >= k || r >= maxRadiusM || hits.size() == size) {
                return hits;
            }
            r = Math.min(maxRadiusM, r * 2.5);
        }
    }
}
