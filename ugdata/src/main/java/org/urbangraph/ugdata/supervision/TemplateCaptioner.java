package org.urbangraph.ugdata.supervision;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.SpatialNode;

/**
 * Spatial context captions from deterministic templates over the map around the image ({@link ImageSurroundings}:
 * the city's spatial indexes within the subgraph radius, not the capped subgraph itself): the street the camera
 * stands on and the direction it looks, the nearest crossing, nearby places with distance and side (ahead, left,
 * right, behind when the heading is known; compass directions otherwise), the surrounding street network, its
 * size, and the dominant land use. The phrasing varies between a few templates by a seeded hash of the image, so
 * that captions are not one fixed sentence pattern.
 */
public final class TemplateCaptioner implements ContextCaptioner {
    private static final int MAX_POIS = 4;
    private static final int MAX_STREETS = 3;

    @Override
    public String name() {
        return "template";
    }

    @Override
    public String caption(CaptionContext c) {
        ImageSurroundings s = ImageSurroundings.of(c.graph(), c.subgraph());
        int variant = Math.floorMod(S2Buckets.mix(c.seed(), c.image().index()), 3);
        List<String> sentences = new ArrayList<>();
        sentences.add(opening(s, c.headingDeg(), c.cityName(), variant));
        if (!s.crossings().isEmpty()) {
            ImageSurroundings.Nearby x = s.crossings().getFirst();
            String where = where(x, c.headingDeg());
            sentences.add(switch (variant) {
                case 0 -> String.format(Locale.ROOT, "The nearest crossing, %s, is about %d m %s.", x.node().name(),
                        Math.round(x.distanceM()), where);
                case 1 -> String.format(Locale.ROOT, "About %d m %s lies the %s.", Math.round(x.distanceM()), where,
                        x.node().name());
                default -> String.format(Locale.ROOT, "%s is the closest junction, %d m %s.", x.node().name(),
                        Math.round(x.distanceM()), where);
            });
        }
        if (!s.pois().isEmpty()) {
            List<String> items = new ArrayList<>();
            for (ImageSurroundings.Nearby p : distinctNames(s.pois(), MAX_POIS)) {
                items.add(String.format(Locale.ROOT, "%s (%s, %d m %s)", p.node().name(),
                        p.node().category().replace('_', ' '), Math.round(p.distanceM()), where(p, c.headingDeg())));
            }
            sentences.add((variant == 1 ? "Places nearby: " : "Close by are ") + join(items) + ".");
        }
        if (!s.streets().isEmpty()) {
            List<String> names = new ArrayList<>();
            for (ImageSurroundings.Nearby st : s.streets()) {
                if (names.size() == MAX_STREETS) {
                    break;
                }
                if (!names.contains(st.node().name()) && (s.street() == null || !st.node().name().equals(s.street().name()))) {
                    names.add(st.node().name());
                }
            }
            if (!names.isEmpty()) {
                sentences.add("Other streets of the surrounding network include " + join(names) + ".");
            }
        }
        long complex = s.crossings().stream().filter(x -> x.node().category().equals("complex_crossing")).count();
        sentences.add(String.format(Locale.ROOT, "Within %d m the street network has %s and %s%s, with %s.",
                Math.round(s.radiusM()), plural(s.streetCount(), "street", "streets"),
                plural(s.crossings().size(), "crossing", "crossings"),
                s.crossings().isEmpty() ? "" : " (" + complex + " of them complex)",
                plural(s.pois().size(), "place of interest", "places of interest")));
        String area = areaSentence(s, c.labels());
        if (area != null) {
            sentences.add(area);
        }
        return String.join(" ", sentences);
    }

    private static String opening(ImageSurroundings s, double heading, String city, int variant) {
        String street = s.street() == null ? null : s.street().name();
        // the class of the section the camera stands on: a merged street may be mostly of another class
        String cls = s.street() == null ? null : s.streetHighway().replace('_', ' ');
        boolean known = !Double.isNaN(heading);
        String dir = known ? Geo.compassWords(heading) : null;
        if (street == null) {
            return "A street-level view in " + city + (known ? ", looking " + dir : "") + ", away from named streets.";
        }
        return switch (variant) {
            case 0 -> "Street view on " + street + ", a " + cls + " street in " + city
                    + (known ? ", looking " + dir + " along it." : ".");
            case 1 -> "The camera stands on " + street + " (" + cls + ") in " + city
                    + (known ? " and faces " + dir + "." : ".");
            default -> (known ? "Looking " + dir + " along " : "A view of ") + street + ", a " + cls + " street in "
                    + city + ".";
        };
    }

    private static String areaSentence(ImageSurroundings s, PerceptionLabels.Labels labels) {
        for (SpatialNode a : s.areas()) {
            if (!a.name().endsWith(" area")) {
                return "The location lies within " + a.name() + " (" + a.category().replace('_', ' ') + ").";
            }
        }
        if (labels != null && !labels.landUse().equals(PerceptionLabels.UNKNOWN)) {
            return "The surroundings are mostly " + landUseWords(labels.landUse()) + ".";
        }
        return null;
    }

    static String landUseWords(String group) {
        return switch (group) {
            case "residential" -> "residential";
            case "commercial" -> "commercial and retail";
            case "industrial" -> "industrial";
            case "green" -> "parks and green space";
            case "agricultural" -> "farmland and meadows";
            case "water" -> "waterfront";
            default -> group;
        };
    }

    /**
     * Where a node lies as seen from the camera: "ahead", "on the left", "on the right", "behind" with a known
     * heading, otherwise "to the north-east".
     */
    static String where(ImageSurroundings.Nearby n, double heading) {
        if (Double.isNaN(heading)) {
            return "to the " + Geo.compassWords(n.bearingDeg());
        }
        double rel = Geo.normalizeDegrees(n.bearingDeg() - heading);
        if (rel <= 30 || rel >= 330) {
            return "ahead";
        }
        if (rel >= 150 && rel <= 210) {
            return "behind";
        }
        return rel < 180 ? "on the right" : "on the left";
    }

    static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** The nearest nodes with distinct names (a bus stop mapped as two platforms is named once). */
    static List<ImageSurroundings.Nearby> distinctNames(List<ImageSurroundings.Nearby> nearby, int max) {
        List<ImageSurroundings.Nearby> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ImageSurroundings.Nearby n : nearby) {
            if (out.size() == max) {
                break;
            }
            if (names.add(n.node().name())) {
                out.add(n);
            }
        }
        return out;
    }

    static String join(List<String> items) {
        if (items.size() == 1) {
            return items.getFirst();
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.getLast();
    }
}
