package org.urbangraph.ugdata.dataset;

import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.photo.ImageRecord;
import org.urbangraph.ugdata.render.CameraPose;

/**
 * One image of the dataset being built: its record, where it is written, whether it is kept for the benchmark,
 * and (for benchmark images) the second view of the same place used by image-to-image retrieval.
 *
 * @param record position, heading and origin
 * @param file path of the image relative to the dataset directory
 * @param pose camera pose of a synthetic view, null for photos
 * @param eval true if the image is a benchmark query (not in stage-1/2 rows)
 * @param pairFile relative path of a second view of the same place, or null
 * @param pairId id of that second view (a rendered view's id with "-view2", or the other photo's id)
 * @param pairLon longitude of that second view's camera (NaN without one)
 * @param pairLat latitude of that second view's camera (NaN without one)
 * @param node the image node, once anchored in the city graph
 */
record DatasetImage(ImageRecord record, String file, CameraPose pose, boolean eval, String pairFile, String pairId,
        double pairLon, double pairLat, SpatialNode node) {

    /** An image without a second view. */
    DatasetImage(ImageRecord record, String file, CameraPose pose, boolean eval, SpatialNode node) {
        this(record, file, pose, eval, null, null, Double.NaN, Double.NaN, node);
    }

    DatasetImage withNode(SpatialNode n) {
        return new DatasetImage(record, file, pose, eval, pairFile, pairId, pairLon, pairLat, n);
    }

    DatasetImage withPair(String file2, String id2, double lon2, double lat2) {
        return new DatasetImage(record, file, pose, eval, file2, id2, lon2, lat2, node);
    }

    String id() {
        return record.id();
    }
}
