package org.urbangraph.ugdata.osm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one rule for a way underground or under a roof, which the street graph and the renderer share. */
class OsmFeaturesTest {

    @Test
    void undergroundWays() {
        Map<Map<String, String>, Boolean> cases = Map.of(
                Map.of("highway", "primary"), false,
                Map.of("highway", "primary", "tunnel", "yes"), true,
                Map.of("highway", "primary", "tunnel", "culvert"), true,
                Map.of("highway", "primary", "tunnel", "no"), false,
                Map.of("highway", "footway", "tunnel", "building_passage"), false,
                Map.of("highway", "footway", "covered", "yes"), true,
                Map.of("highway", "footway", "covered", "no"), false,
                Map.of("highway", "residential", "location", "underground"), true,
                Map.of("highway", "residential", "location", "overground"), false);
        cases.forEach((tags, expected) -> assertEquals(expected, OsmFeatures.isUnderground(tags), tags.toString()));
    }
}
