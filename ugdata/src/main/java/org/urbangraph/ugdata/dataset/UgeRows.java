package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.urbangraph.ugdata.supervision.SpatialReasoningPath;

/**
 * Rows of {@code stage1.jsonl} and {@code stage2.jsonl} in the official UGE shape: {@code messages} (the
 * query), {@code positive_messages} (a list of conversations, each a list of messages), optional
 * {@code negative_messages}, {@code images} and {@code graphs} (paths relative to the dataset directory),
 * {@code pair_type} and {@code label}, plus {@code synthetic} and a {@code meta} object this project adds.
 */
final class UgeRows {
    /** Stage-1 instructions; each image gets one, by a seeded choice. */
    static final List<String> STAGE1_INSTRUCTIONS = List.of(
            "Describe the spatial context of this street view.",
            "Where was this street view taken? Describe the street, the nearby crossings and places.",
            "Describe where this image lies within the city's street network.",
            "Summarise the surroundings of this street-level image: streets, junctions and points of interest.");

    static final String STAGE2_INSTRUCTION = "Based on the spatial context in the graph and the spatial reasoning"
            + " path, describe the surroundings of this street view.";

    /** How to read a path, given before it in every stage-2 query (our wording of the authors' note). */
    static final String PATH_NOTE = "Path notation: each triple (source, relation, target) is one step through the"
            + " city's spatial graph, and the tuple after it gives that step's distance in metres and its direction as"
            + " a bearing with a compass point. Relations: on_same_street (consecutive crossings of one street),"
            + " intersection and complex_crossing (two streets meeting at a crossing of two, or of three or more,"
            + " streets), nearest (a point and its nearest street), near (points close to each other), bounds (an"
            + " area containing a point) and intersects (a street crossing an area).";

    private UgeRows() {}

    static ObjectNode stage1(DatasetImage img, String instruction, String positive, String negative, String city,
            String split) {
        ObjectNode row = UgDataJson.MAPPER.createObjectNode();
        row.set("messages", conversation("<image> " + instruction));
        ArrayNode pos = row.putArray("positive_messages");
        pos.add(conversation(positive));
        if (negative != null) {
            row.putArray("negative_messages").add(conversation(negative));
        }
        row.putArray("images").add(img.file());
        row.putArray("graphs");
        row.put("pair_type", "stage1_image_only");
        row.put("label", 1);
        row.put("synthetic", img.record().synthetic());
        row.set("meta", meta(img, city, split));
        return row;
    }

    static ObjectNode stage2(DatasetImage img, String graphFile, SpatialReasoningPath path, String positive,
            String negative, String city, String split) {
        ObjectNode row = UgDataJson.MAPPER.createObjectNode();
        String query = "<graph><image> " + PATH_NOTE + " Spatial Reasoning Path: " + path.text() + ". "
                + path.summary() + " " + STAGE2_INSTRUCTION;
        row.set("messages", conversation(query));
        row.putArray("positive_messages").add(conversation(positive));
        if (negative != null) {
            row.putArray("negative_messages").add(conversation(negative));
        }
        row.putArray("images").add(img.file());
        row.putArray("graphs").add(graphFile);
        row.put("pair_type", "stage2_image_graph");
        row.put("label", 1);
        row.put("synthetic", img.record().synthetic());
        ObjectNode meta = meta(img, city, split);
        meta.put("path_start", path.startKey());
        meta.put("path_hops", path.hops());
        row.set("meta", meta);
        return row;
    }

    private static ArrayNode conversation(String userText) {
        ArrayNode conv = UgDataJson.MAPPER.createArrayNode();
        ObjectNode m = conv.addObject();
        m.put("role", "user");
        m.put("content", userText);
        return conv;
    }

    static ObjectNode meta(DatasetImage img, String city, String split) {
        ObjectNode m = UgDataJson.MAPPER.createObjectNode();
        m.put("image_id", img.id());
        m.put("city", city);
        m.put("split", split);
        m.put("node", img.node().index());
        m.put("lon", img.record().lon());
        m.put("lat", img.record().lat());
        if (img.record().hasHeading()) {
            m.put("heading_deg", Math.round(img.record().headingDeg() * 10) / 10.0);
        }
        m.put("synthetic_image", img.record().syntheticImage());
        m.put("synthetic_placement", img.record().syntheticPlacement());
        return m;
    }
}
