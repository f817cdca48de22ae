package org.urbangraph.ugdata.supervision;

import java.util.List;
import java.util.Locale;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.NodeText;

/**
 * A spatial reasoning path from a start node to an image, written as the UGE authors write them: one triple per
 * step, each followed by the step's distance and direction,
 * {@code (Seton Ave, complex_crossing, Mundy Ln) -> (558.8m, 345°(N)) -> ...}, plus a summary sentence with the
 * destination, its straight-line distance and direction from the start.
 *
 * @param startKey graph key of the start node
 * @param targetKey graph key of the image node the path ends at
 * @param steps the steps in travel order
 * @param summary the summary sentence
 */
public record SpatialReasoningPath(String startKey, String targetKey, List<Step> steps, String summary) {

    /**
     * One step: from a node, over a typed edge, to the next node, with the distance and initial bearing of the step
     * in the direction of travel.
     */
    public record Step(String from, String relation, String to, double lengthM, double bearingDeg) {
        /**
         * "(from, relation, to)"; names are cleaned as in {@code node_text} (", " becomes " - "), so that the
         * triple splits into its three parts at ", ".
         */
        public String triple() {
            return "(" + NodeText.clean(from) + ", " + relation + ", " + NodeText.clean(to) + ")";
        }

        public String distanceDirection() {
            return String.format(Locale.ROOT, "(%.1fm, %s)", lengthM, Geo.degreesWithCompass(bearingDeg));
        }
    }

    public SpatialReasoningPath {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a reasoning path needs at least one step");
        }
        steps = List.copyOf(steps);
    }

    /** The path text: triples and distance-direction tuples joined by " -> ". */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Step s : steps) {
            if (!sb.isEmpty()) {
                sb.append(" -> ");
            }
            sb.append(s.triple()).append(" -> ").append(s.distanceDirection());
        }
        return sb.toString();
    }

    public int hops() {
        return steps.size();
    }
}
