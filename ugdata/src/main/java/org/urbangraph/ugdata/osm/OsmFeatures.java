package org.urbangraph.ugdata.osm;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an OSM element is, for UGData: a POI (with its group and category), an area (with its class), a building,
 * water. One place for these tag rules, shared by the graph builder, the renderer and the perception labels.
 */
public final class OsmFeatures {
    private OsmFeatures() {}

    /** POI keys in priority order: the first present gives the POI's group and category. */
    public static final List<String> POI_KEYS = List.of("amenity", "shop", "tourism", "historic", "leisure",
            "public_transport", "office", "craft", "railway", "healthcare", "man_made");
    private static final Set<String> RAILWAY_POIS = Set.of("station", "halt", "tram_stop", "subway_entrance");
    private static final Set<String> AMENITY_NOT_POI = Set.of("bench", "waste_basket", "parking_space",
            "bicycle_parking", "vending_machine", "recycling", "post_box", "drinking_water", "clock", "telephone");

    /** A POI's group (the OSM key) and category (its value). */
    public record PoiKind(String group, String category) {}

    /** The POI kind of a named element, or null if it is not a POI (unnamed, or no POI key). */
    public static PoiKind poi(Map<String, String> tags) {
        String name = tags.get("name");
        if (name == null || name.isBlank()) {
            return null;
        }
        for (String k : POI_KEYS) {
            String v = tags.get(k);
            if (v == null || v.equals("no")) {
                continue;
            }
            if (k.equals("railway") && !RAILWAY_POIS.contains(v)) {
                continue;
            }
            if (k.equals("amenity") && AMENITY_NOT_POI.contains(v)) {
                continue;
            }
            if (k.equals("public_transport") && v.equals("stop_position")) {
                continue; // the stop's point on the carriageway; its platform or station is the POI
            }
            return new PoiKind(k, v.equals("yes") ? k : v);
        }
        return null;
    }

    private static final Set<String> LEISURE_AREAS = Set.of("park", "garden", "pitch", "playground", "golf_course",
            "nature_reserve", "sports_centre", "stadium", "dog_park", "common", "recreation_ground", "marina");
    private static final Set<String> NATURAL_AREAS = Set.of("water", "wood", "scrub", "grassland", "beach",
            "wetland", "heath", "bare_rock", "scree", "sand", "glacier");

    /** The area class of a closed way (landuse value, leisure value, natural value, or "water"), or null. */
    public static String areaClass(Map<String, String> tags) {
        if ("riverbank".equals(tags.get("waterway")) || tags.containsKey("water")
                || "reservoir".equals(tags.get("landuse")) || "basin".equals(tags.get("landuse"))) {
            return "water";
        }
        String lu = tags.get("landuse");
        if (lu != null) {
            return lu;
        }
        String le = tags.get("leisure");
        if (le != null && LEISURE_AREAS.contains(le)) {
            return le;
        }
        String na = tags.get("natural");
        if (na != null && NATURAL_AREAS.contains(na)) {
            return na;
        }
        return null;
    }

    /** True for green classes (parks, grass, wood ...), which the renderer and labels treat alike. */
    public static boolean isGreen(String areaClass) {
        return areaClass != null && switch (areaClass) {
            case "park", "garden", "grass", "meadow", "forest", "wood", "scrub", "grassland", "recreation_ground",
                 "village_green", "cemetery", "golf_course", "nature_reserve", "common", "dog_park", "allotments",
                 "orchard", "vineyard", "heath", "playground", "pitch" -> true;
            default -> false;
        };
    }

    /**
     * A way underground or under a roof: {@code tunnel=*} (but not {@code no} or a {@code building_passage}, which is
     * open to the street at both ends), {@code covered=yes} or {@code location=underground}. Such a street is part of
     * the street graph but no place for a street view or a photo, and the renderer draws no road for it.
     */
    public static boolean isUnderground(Map<String, String> tags) {
        String tunnel = tags.get("tunnel");
        return (tunnel != null && !tunnel.equals("no") && !tunnel.equals("building_passage"))
                || "yes".equals(tags.get("covered")) || "underground".equals(tags.get("location"));
    }

    public static boolean isBuilding(Map<String, String> tags) {
        String b = tags.get("building");
        return b != null && !b.equals("no");
    }

    /** Building height in metres from {@code height} or {@code building:levels} (3 m a level), or NaN. */
    public static double buildingHeight(Map<String, String> tags) {
        String h = tags.get("height");
        if (h != null) {
            double v = leadingNumber(h);
            if (v > 0 && v < 1000) {
                return v;
            }
        }
        String lv = tags.get("building:levels");
        if (lv != null) {
            double v = leadingNumber(lv);
            if (v > 0 && v < 300) {
                return v * 3.0 + 1.0;
            }
        }
        return Double.NaN;
    }

    /** The number at the start of a tag value ("12 m", "7.5", "3;4"), or NaN. */
    static double leadingNumber(String s) {
        int i = 0;
        String t = s.strip();
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(t.substring(0, i));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
