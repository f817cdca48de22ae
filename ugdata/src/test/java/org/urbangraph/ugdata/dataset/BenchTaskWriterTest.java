package org.urbangraph.ugdata.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchTaskWriterTest {
    @Test
    void aWrongDistanceDirectionCandidateJustAcrossTheSectorEdgeIsNoWrongAnswer() {
        // bundled Copenhagen: "about 450 m to the south-west" with the truth 446 m away at 234.7 degrees; a crossing
        // 421 m away at 248.0 degrees is "west" by 0.5 degrees, but no reader can tell it from the truth
        assertEquals(450, BenchTaskWriter.statedDistanceM(446));
        assertTrue(BenchTaskWriter.couldBeTheAnswer(248.0, 421, 234.7, 450));
        assertTrue(BenchTaskWriter.couldBeTheAnswer(210.0, 300, 234.7, 450), "same sector, 0.67 times the distance");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(265.0, 421, 234.7, 450), "30.3 degrees off and west");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(240.0, 250, 234.7, 450), "0.56 times the stated distance");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(240.0, 730, 234.7, 450), "1.62 times the stated distance");
    }

    @Test
    void aTruthMustLieWellInsideItsSector() {
        assertEquals(22.5, BenchTaskWriter.sectorEdgeMarginDeg(225), 1e-9);
        assertEquals(12.8, BenchTaskWriter.sectorEdgeMarginDeg(234.7), 1e-9);
        assertEquals(0.9, BenchTaskWriter.sectorEdgeMarginDeg(248.4), 1e-9, "Monaco: 21.6 degrees off west");
        assertEquals(7.5, BenchTaskWriter.sectorEdgeMarginDeg(15), 1e-9);
        assertEquals(7.5, BenchTaskWriter.sectorEdgeMarginDeg(345), 1e-9);
        assertTrue(BenchTaskWriter.sectorEdgeMarginDeg(15) < BenchTaskWriter.SECTOR_EDGE_MARGIN_DEG);
    }
}
