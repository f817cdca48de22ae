package org.urbangraph.ugdata.render;

import java.awt.Color;
import org.urbangraph.ugdata.osm.OsmFeatures;

/**
 * Colours of the synthetic street views. Per-feature variation comes from a hash of the OSM id, never from a
 * random generator, so a building has the same colour in every view of it.
 */
final class Palette {
    private Palette() {}

    static final Color SKY_TOP = new Color(72, 128, 196);
    static final Color SKY_HORIZON = new Color(198, 218, 234);
    static final Color HAZE = new Color(196, 206, 214);
    static final Color GROUND = new Color(128, 128, 116);
    static final Color SIDEWALK = new Color(172, 168, 160);
    static final Color MARKING = new Color(236, 236, 228);
    static final Color WATER = new Color(58, 108, 158);
    static final Color TRUNK = new Color(92, 70, 48);
    static final Color POLE = new Color(70, 72, 76);
    static final Color GLASS = new Color(52, 66, 86);

    private static final int[][] WALLS = {
        {214, 200, 176}, {196, 170, 140}, {226, 214, 196}, {180, 160, 150}, {236, 226, 204},
        {190, 120, 96}, {160, 150, 140}, {222, 190, 150}, {206, 206, 200}, {170, 132, 110},
        {230, 200, 170}, {150, 140, 130}};

    static int hash(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & 0x7fffffff;
    }

    static Color wall(long id, String type) {
        int[] c = WALLS[hash(id) % WALLS.length];
        if (type != null && (type.equals("industrial") || type.equals("warehouse"))) {
            c = new int[] {168, 170, 172};
        }
        return new Color(c[0], c[1], c[2]);
    }

    static Color road(String highway) {
        return switch (highway) {
            case "pedestrian", "living_street" -> new Color(184, 174, 156);
            case "footway", "path", "steps", "bridleway" -> new Color(170, 160, 142);
            case "cycleway" -> new Color(150, 90, 80);
            case "track" -> new Color(140, 120, 90);
            case "motorway", "trunk", "motorway_link", "trunk_link" -> new Color(70, 70, 74);
            default -> new Color(82, 82, 86);
        };
    }

    static boolean hasSidewalk(String highway) {
        return switch (highway) {
            case "primary", "secondary", "tertiary", "residential", "unclassified", "primary_link", "secondary_link",
                 "tertiary_link", "road" -> true;
            default -> false;
        };
    }

    static boolean hasCentreLine(String highway, double width) {
        return width >= 7 && switch (highway) {
            case "motorway", "trunk", "primary", "secondary", "tertiary", "motorway_link", "trunk_link",
                 "primary_link", "secondary_link" -> true;
            default -> false;
        };
    }

    static Color ground(String areaClass) {
        if (areaClass.equals("water")) {
            return WATER;
        }
        if (OsmFeatures.isGreen(areaClass)) {
            return switch (areaClass) {
                case "forest", "wood", "nature_reserve" -> new Color(62, 104, 52);
                case "pitch" -> new Color(90, 150, 80);
                case "cemetery" -> new Color(98, 128, 82);
                default -> new Color(98, 146, 72);
            };
        }
        return switch (areaClass) {
            case "farmland", "meadow", "farmyard", "grassland" -> new Color(156, 166, 96);
            case "beach", "sand" -> new Color(222, 206, 160);
            case "commercial", "retail" -> new Color(150, 144, 140);
            case "industrial", "railway", "construction", "brownfield" -> new Color(136, 130, 124);
            case "residential" -> new Color(140, 138, 126);
            case "bare_rock", "scree", "glacier" -> new Color(170, 168, 164);
            default -> new Color(132, 132, 120);
        };
    }

    static Color sign(String group) {
        return switch (group) {
            case "amenity" -> new Color(200, 62, 50);
            case "shop" -> new Color(40, 92, 182);
            case "tourism" -> new Color(38, 148, 82);
            case "historic" -> new Color(150, 110, 60);
            case "leisure" -> new Color(92, 170, 90);
            case "public_transport", "railway" -> new Color(232, 182, 30);
            case "office" -> new Color(110, 110, 132);
            case "craft" -> new Color(160, 90, 162);
            case "healthcare" -> new Color(222, 62, 122);
            default -> new Color(120, 120, 120);
        };
    }

    static Color canopy(long id) {
        int h = hash(id);
        return new Color(52 + h % 30, 96 + (h >> 5) % 40, 40 + (h >> 10) % 24);
    }

    /** Multiplies the colour by {@code shade} and blends it into the haze with distance. */
    static Color lit(Color c, double shade, double distanceM) {
        double fog = Math.min(0.85, 1 - StrictMath.exp(-distanceM / 380.0));
        double r = c.getRed() * shade * (1 - fog) + HAZE.getRed() * fog;
        double g = c.getGreen() * shade * (1 - fog) + HAZE.getGreen() * fog;
        double b = c.getBlue() * shade * (1 - fog) + HAZE.getBlue() * fog;
        return new Color(clamp(r), clamp(g), clamp(b));
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
