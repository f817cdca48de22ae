package org.urbangraph.ugdata.supervision;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A short description of where an image was taken, without the view: the street, the nearest crossing and the
 * two nearest places. It is the candidate text of the geolocation benchmark, so it must tell places of one city
 * apart without naming coordinates.
 */
public final class PlaceDescriber {
    private PlaceDescriber() {}

    public static String describe(ImageSurroundings s) {
        List<String> parts = new ArrayList<>();
        parts.add(s.street() == null ? "Away from named streets" : "On " + s.street().name());
        if (!s.crossings().isEmpty()) {
            ImageSurroundings.Nearby x = s.crossings().getFirst();
            parts.add(String.format(Locale.ROOT, "%d m from the %s", Math.round(x.distanceM()), x.node().name()));
        }
        String text = String.join(", ", parts);
        List<String> pois = new ArrayList<>();
        for (ImageSurroundings.Nearby p : TemplateCaptioner.distinctNames(s.pois(), 2)) {
            pois.add(p.node().name() + " (" + p.node().category().replace('_', ' ') + ")");
        }
        if (!pois.isEmpty()) {
            text += "; near " + TemplateCaptioner.join(pois);
        }
        return text + ".";
    }
}
