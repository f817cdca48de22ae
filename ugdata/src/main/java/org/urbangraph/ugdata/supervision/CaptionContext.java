package org.urbangraph.ugdata.supervision;

import java.nio.file.Path;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;

/**
 * What a captioner may look at for one image: the city graph, the image node and its subgraph, the camera
 * heading, and the image file itself (for a captioner that runs a vision-language model).
 *
 * @param cityName display name of the city
 * @param image the image node
 * @param headingDeg camera heading, NaN when unknown
 * @param imageFile the image on disk
 * @param graph the city graph
 * @param subgraph the image's subgraph
 * @param labels OSM-derived labels around the image
 * @param seed dataset seed (captioners vary phrasing with it, deterministically)
 */
public record CaptionContext(String cityName, SpatialNode image, double headingDeg, Path imageFile, CityGraph graph,
        Subgraph subgraph, PerceptionLabels.Labels labels, long seed) {}
