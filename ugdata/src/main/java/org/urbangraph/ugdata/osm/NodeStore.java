package org.urbangraph.ugdata.osm;

import java.util.Arrays;

/**
 * Coordinates of every OSM node read, by id, in primitive arrays: a city extract holds hundreds of thousands of
 * nodes, of which only the tagged ones get an object. Lookups are binary searches over ids sorted once after
 * reading (PBF and XML extracts are normally sorted already, which makes {@link #seal()} cheap).
 */
public final class NodeStore {
    private long[] ids = new long[1 << 16];
    private double[] lons = new double[1 << 16];
    private double[] lats = new double[1 << 16];
    private int size;
    private boolean sealed;

    public void add(long id, double lon, double lat) {
        if (sealed) {
            throw new IllegalStateException("NodeStore is sealed");
        }
        if (size == ids.length) {
            int n = size * 2;
            ids = Arrays.copyOf(ids, n);
            lons = Arrays.copyOf(lons, n);
            lats = Arrays.copyOf(lats, n);
        }
        ids[size] = id;
        lons[size] = lon;
        lats[size] = lat;
        size++;
    }

    /** Sorts by id (if needed) and drops duplicate ids, keeping the last one read. */
    public void seal() {
        if (sealed) {
            return;
        }
        boolean sorted = true;
        for (int i = 1; i < size && sorted; i++) {
            sorted = ids[i - 1] < ids[i];
        }
        if (!sorted) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            // stable sort: among equal ids the later one stays later, and the dedup below keeps it
            Arrays.sort(order, (a, b) -> Long.compare(ids[a], ids[b]));
            long[] ni = new long[size];
            double[] nlo = new double[size];
            double[] nla = new double[size];
            int w = 0;
            for (int k = 0; k < size; k++) {
                int i = order[k];
                if (w > 0 && ni[w - 1] == ids[i]) {
                    w--;
                }
                ni[w] = ids[i];
                nlo[w] = lons[i];
                nla[w] = lats[i];
                w++;
            }
            ids = ni;
            lons = nlo;
            lats = nla;
            size = w;
        }
        ids = Arrays.copyOf(ids, size);
        lons = Arrays.copyOf(lons, size);
        lats = Arrays.copyOf(lats, size);
        sealed = true;
    }

    /** Index of a node id, or -1 if the extract does not hold it. */
    public int indexOf(long id) {
        if (!sealed) {
            throw new IllegalStateException("seal() the NodeStore before lookups");
        }
        int i = Arrays.binarySearch(ids, 0, size, id);
        return i >= 0 ? i : -1;
    }

    public double lon(int index) {
        return lons[index];
    }

    public double lat(int index) {
        return lats[index];
    }

    public long id(int index) {
        return ids[index];
    }

    public int size() {
        return size;
    }
}
