package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code node_text} of a graph node, composed as the UGE authors compose it ("Name: ..., ID: ...,
 * Category: ..., Address: ..., ..., Coordinates: (lon, lat)"): their graph encoder embeds this text, and their
 * fallback parser reads Name, Category and Coordinates from it with regular expressions, so field values must
 * not contain the ", " separator (it is replaced by " - ").
 */
public final class NodeText {
    private NodeText() {}

    public static String of(SpatialNode n, String cityName) {
        List<String> parts = new ArrayList<>();
        parts.add("Name: " + clean(n.name()));
        parts.add("ID: " + n.key());
        parts.add("Category: " + clean(categoryWords(n)));
        switch (n.kind()) {
            case POI -> {
                parts.add("Address: " + clean(address(n)));
                addIf(parts, "District", n.attribute("district"));
            }
            case STREET -> parts.add("Length: " + Math.round(Double.parseDouble(n.attribute("length_m"))) + " m");
            case CROSSING -> parts.add("Streets: " + clean(n.attribute("streets")));
            case IMAGE -> {
                String h = n.attribute("heading_deg");
                if (h != null) {
                    parts.add("Heading: " + h + "°");
                }
                addIf(parts, "Captured", n.attribute("capture_time"));
            }
            case AREA -> {
                String a = n.attribute("area_m2");
                if (a != null) {
                    parts.add("Area: " + Math.round(Double.parseDouble(a)) + " m²");
                }
            }
        }
        if (cityName != null && !cityName.isBlank()) {
            parts.add("City: " + clean(cityName));
        }
        parts.add("Coordinates: (" + fixed6(n.lon()) + ", " + fixed6(n.lat()) + ")");
        return String.join(", ", parts);
    }

    /** A number with exactly six decimals, as "%.6f" prints it, without the cost of a formatter. */
    static String fixed6(double v) {
        return new java.math.BigDecimal(v).setScale(6, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    /** The category as words: "cafe", "street (residential)", "complex crossing", "street-view image". */
    static String categoryWords(SpatialNode n) {
        return switch (n.kind()) {
            case STREET -> "street (" + n.category().replace('_', ' ') + ")";
            case CROSSING -> n.category().replace('_', ' ');
            case IMAGE -> "street-view image (" + n.category() + ")";
            case AREA -> n.category().replace('_', ' ') + " area";
            case POI -> n.category().replace('_', ' ');
        };
    }

    /** "Street 12, 9490 Vaduz" from addr:* parts, or "unknown". */
    public static String address(SpatialNode n) {
        String street = n.attribute("addr:street");
        String number = n.attribute("addr:housenumber");
        String postcode = n.attribute("addr:postcode");
        String city = n.attribute("addr:city");
        StringBuilder sb = new StringBuilder();
        if (street != null) {
            sb.append(street);
            if (number != null) {
                sb.append(' ').append(number);
            }
        }
        if (postcode != null || city != null) {
            if (!sb.isEmpty()) {
                sb.append(" - ");
            }
            sb.append(postcode == null ? "" : postcode + (city == null ? "" : " ")).append(city == null ? "" : city);
        }
        return sb.isEmpty() ? "unknown" : sb.toString();
    }

    private static void addIf(List<String> parts, String label, String value) {
        if (value != null && !value.isBlank()) {
            parts.add(label + ": " + clean(value));
        }
    }

    /**
     * A name or value made safe for the ", "-separated texts: ", " becomes " - ", a lone comma a space; null
     * becomes "unknown".
     */
    public static String clean(String s) {
        return s == null ? "unknown" : s.replace(", ", " - ").replace(',', ' ').strip();
    }
}
