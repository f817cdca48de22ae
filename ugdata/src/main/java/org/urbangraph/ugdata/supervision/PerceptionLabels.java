package org.urbangraph.ugdata.supervision;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.PointIndex;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.osm.OsmFeatures;

/**
 * Labels of the surroundings derived from OpenStreetMap, standing in for the human urban-perception labels of
 * the UGE paper (which are not available): the dominant land use within a radius, the dominant kind of places
 * (POI mix), and the class of the street section the camera stands on. Each label set has fixed classes with a
 * prototype text, in a fixed order (the candidate list of the perception benchmark).
 */
public final class PerceptionLabels {
    /** Radius in metres around the image for land use and POI mix. */
    public static final double RADIUS_M = 200;
    /** Label value for "not enough map data to say" (rows with it are left out of the benchmark). */
    public static final String UNKNOWN = "unknown";

    /** The three label sets. */
    public enum LabelSet {
        LAND_USE("land_use"),
        POI_MIX("poi_mix"),
        STREET_CLASS("street_class");

        private final String label;

        LabelSet(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Classes and prototype texts of each label set, in candidate order. */
    public static final Map<LabelSet, Map<String, String>> PROTOTYPES = prototypes();

    private static Map<LabelSet, Map<String, String>> prototypes() {
        Map<LabelSet, Map<String, String>> m = new EnumMap<>(LabelSet.class);
        Map<String, String> lu = new LinkedHashMap<>();
        lu.put("residential", "a residential neighbourhood with housing");
        lu.put("commercial", "a commercial or retail district");
        lu.put("industrial", "an industrial area");
        lu.put("green", "a green area with parks, gardens or woods");
        lu.put("agricultural", "open farmland and meadows");
        lu.put("water", "a waterfront by a river, lake, canal or the sea");
        m.put(LabelSet.LAND_USE, lu);
        Map<String, String> pm = new LinkedHashMap<>();
        pm.put("food_and_drink", "a lively place with restaurants, cafes and bars");
        pm.put("shopping", "a shopping street with many shops");
        pm.put("tourism_and_culture", "a place for tourism, culture and heritage");
        pm.put("services", "a place with offices, services and public facilities");
        pm.put("transport", "a transport hub with stations and stops");
        pm.put("leisure", "a place for sport and leisure");
        pm.put("few_places", "a quiet place with few shops or amenities");
        m.put(LabelSet.POI_MIX, pm);
        Map<String, String> sc = new LinkedHashMap<>();
        sc.put("major_road", "a major road with heavy traffic");
        sc.put("collector_road", "a secondary or tertiary through road");
        sc.put("local_street", "a quiet local residential street");
        sc.put("pedestrian", "a pedestrian street or footpath");
        sc.put("service_road", "a service road or access lane");
        m.put(LabelSet.STREET_CLASS, sc);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The labels of one place; a value may be {@link #UNKNOWN}. */
    public record Labels(String landUse, String poiMix, String streetClass) {
        public String get(LabelSet set) {
            return switch (set) {
                case LAND_USE -> landUse;
                case POI_MIX -> poiMix;
                case STREET_CLASS -> streetClass;
            };
        }
    }

    private PerceptionLabels() {}

    /**
     * Labels at a point. Land use samples a grid of points within {@link #RADIUS_M} and takes, at each, the
     * smallest area polygon containing it; fewer than a fifth of the points covered gives {@link #UNKNOWN}.
     *
     * @param streetHighway highway class of the street section the camera stands on, that of its own OSM way rather
     *     than of the merged street as a whole (null if none)
     */
    public static Labels at(CityGraph g, double lon, double lat, String streetHighway) {
        return new Labels(landUse(g, lon, lat), poiMix(g, lon, lat), streetClass(streetHighway));
    }

    static String landUse(CityGraph g, double lon, double lat) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        int samples = 0;
        int covered = 0;
        int steps = 4;
        for (int i = -steps; i <= steps; i++) {
            for (int j = -steps; j <= steps; j++) {
                double dx = RADIUS_M * i / steps;
                double dy = RADIUS_M * j / steps;
                double dist = Math.hypot(dx, dy);
                if (dist > RADIUS_M) {
                    continue;
                }
                samples++;
                double[] p = dist == 0 ? new double[] {lon, lat}
                        : Geo.destination(lon, lat, Geo.normalizeDegrees(StrictMath.toDegrees(StrictMath.atan2(dx, dy))), dist);
                SpatialNode smallest = null;
                double smallestArea = Double.MAX_VALUE;
                for (SpatialNode a : g.areasContaining(p[0], p[1])) {
                    double area = g.areaGeometry(a).areaM2();
                    if (area < smallestArea) {
                        smallest = a;
                        smallestArea = area;
                    }
                }
                if (smallest != null) {
                    String group = landUseGroup(smallest.category());
                    if (group != null) {
                        covered++;
                        votes.merge(group, 1, Integer::sum);
                    }
                }
            }
        }
        if (covered * 5 < samples) {
            return UNKNOWN;
        }
        return argmax(votes, PROTOTYPES.get(LabelSet.LAND_USE).keySet().stream().toList());
    }

    static String landUseGroup(String areaClass) {
        if (areaClass.equals("water")) {
            return "water";
        }
        if (OsmFeatures.isGreen(areaClass)) {
            return "green";
        }
        return switch (areaClass) {
            case "residential", "garages" -> "residential";
            case "commercial", "retail" -> "commercial";
            case "industrial", "railway", "port", "quarry", "construction", "brownfield" -> "industrial";
            case "farmland", "meadow", "farmyard", "orchard", "vineyard", "grassland", "greenhouse_horticulture" ->
                    "agricultural";
            default -> null;
        };
    }

    static String poiMix(CityGraph g, double lon, double lat) {
        List<PointIndex.Hit<SpatialNode>> pois = g.poiIndex().within(lon, lat, RADIUS_M, Integer.MAX_VALUE);
        if (pois.size() < 3) {
            return "few_places";
        }
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (PointIndex.Hit<SpatialNode> h : pois) {
            votes.merge(poiGroup(h.item()), 1, Integer::sum);
        }
        return argmax(votes, PROTOTYPES.get(LabelSet.POI_MIX).keySet().stream().toList());
    }

    static String poiGroup(SpatialNode poi) {
        String group = poi.attribute("group");
        String cat = poi.category();
        if ("amenity".equals(group)) {
            return switch (cat) {
                case "restaurant", "cafe", "bar", "pub", "fast_food", "ice_cream", "biergarten", "food_court",
                     "nightclub" -> "food_and_drink";
                case "museum", "theatre", "arts_centre", "place_of_worship", "cinema", "library" -> "tourism_and_culture";
                case "bus_station", "taxi", "ferry_terminal", "parking", "fuel", "car_rental", "bicycle_rental",
                     "charging_station" -> "transport";
                default -> "services";
            };
        }
        return switch (group == null ? "" : group) {
            case "shop", "craft" -> "shopping";
            case "tourism", "historic" -> "tourism_and_culture";
            case "public_transport", "railway" -> "transport";
            case "leisure" -> "leisure";
            default -> "services";
        };
    }

    static String streetClass(String highway) {
        if (highway == null) {
            return UNKNOWN;
        }
        return switch (highway) {
            case "motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link" -> "major_road";
            case "secondary", "tertiary", "secondary_link", "tertiary_link" -> "collector_road";
            case "residential", "unclassified", "living_street", "road" -> "local_street";
            case "pedestrian", "footway", "path", "steps", "cycleway", "bridleway", "track" -> "pedestrian";
            case "service" -> "service_road";
            default -> UNKNOWN;
        };
    }

    /** The most voted class; ties go to the class listed first. */
    private static String argmax(Map<String, Integer> votes, List<String> order) {
        String best = null;
        int bestVotes = -1;
        for (String c : order) {
            int v = votes.getOrDefault(c, 0);
            if (v > bestVotes) {
                best = c;
                bestVotes = v;
            }
        }
        return bestVotes <= 0 ? UNKNOWN : best;
    }
}
