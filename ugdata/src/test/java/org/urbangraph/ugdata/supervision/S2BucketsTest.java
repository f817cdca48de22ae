package org.urbangraph.ugdata.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.TinyTown;

class S2BucketsTest {
    @TempDir
    Path tmp;

    @Test
    void aLevel18CellIsAboutThirtyMetresAcross() {
        String token = S2Buckets.cellToken(9.5209, 47.1410, 18);
        S2CellId cell = S2CellId.fromToken(token);
        assertEquals(18, cell.level());
        S2LatLng c = cell.toLatLng();
        assertEquals(47.1410, c.latDegrees(), 0.0005);
        // neighbouring points 1 m apart share the cell far more often than points 100 m apart
        assertNotEquals(token, S2Buckets.cellToken(9.5209, 47.1419, 18));
    }

    @Test
    void keepsAtMostThreeImagesPerCellBySeededChoice() throws Exception {
        CityGraph town = TinyTown.build(tmp);
        List<SpatialNode> images = new ArrayList<>();
        // five images within a metre of each other, one 200 m away
        for (int i = 0; i < 5; i++) {
            double[] p = Geo.destination(0.0011, 0.0001, 90, 0.2 * i);
            images.add(town.anchorImage("c" + i, "street-view image", "synthetic", p[0], p[1], Map.of()));
        }
        images.add(town.anchorImage("far", "street-view image", "synthetic", 0.003, 0.0001, Map.of()));
        String cellA = S2Buckets.cellToken(images.getFirst().lon(), images.getFirst().lat(), 18);
        for (int i = 1; i < 5; i++) {
            assertEquals(cellA, S2Buckets.cellToken(images.get(i).lon(), images.get(i).lat(), 18), "setup: one cell");
        }
        Map<String, List<SpatialNode>> a = S2Buckets.select(images, 18, 3, 1);
        assertEquals(2, a.size());
        assertEquals(3, a.get(cellA).size());
        assertEquals(a, S2Buckets.select(images, 18, 3, 1), "deterministic for a seed");
        boolean differs = false;
        for (long seed = 2; seed < 12 && !differs; seed++) {
            differs = !S2Buckets.select(images, 18, 3, seed).get(cellA).equals(a.get(cellA));
        }
        assertEquals(true, differs, "another seed keeps other images");
        assertThrows(IllegalArgumentException.class, () -> S2Buckets.select(images, 18, 0, 1));
    }
}
