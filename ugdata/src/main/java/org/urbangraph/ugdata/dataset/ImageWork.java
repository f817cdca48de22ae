package org.urbangraph.ugdata.dataset;

import java.util.List;
import org.urbangraph.ugdata.supervision.PerceptionLabels;
import org.urbangraph.ugdata.supervision.SpatialReasoningPath;

/**
 * What the per-image step produced for one image: its subgraph file, spatial context caption, place
 * description, OSM-derived labels and reasoning paths.
 */
record ImageWork(DatasetImage image, String graphFile, String caption, String place, PerceptionLabels.Labels labels,
        List<SpatialReasoningPath> paths) {

    double lon() {
        return image.record().lon();
    }

    double lat() {
        return image.record().lat();
    }
}
