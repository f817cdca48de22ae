package org.urbangraph.ugdata.dataset;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One row of {@code stage1.jsonl} or {@code stage2.jsonl}, as the UGE trainer uses it: the query text (with its
 * {@code <image>} / {@code <graph>} placeholders), the positive and negative texts, and the image and graph files
 * resolved against the dataset directory.
 *
 * @param source file and line the row came from (for error messages)
 * @param query the user message of {@code messages}
 * @param positives the user text of each conversation in {@code positive_messages}
 * @param negatives the user text of each conversation in {@code negative_messages} (may be empty)
 * @param images image files, existing
 * @param graphs graph files, existing (empty for stage 1)
 * @param pairType {@code stage1_image_only} or {@code stage2_image_graph}
 * @param synthetic true if the image or its placement is synthetic
 * @param meta the row's {@code meta} object (image id, city, node, lon, lat, ...)
 */
public record UgeSample(String source, String query, List<String> positives, List<String> negatives, List<Path> images,
        List<Path> graphs, String pairType, boolean synthetic, Map<String, Object> meta) {

    public String imageId() {
        Object id = meta.get("image_id");
        return id == null ? null : id.toString();
    }
}
