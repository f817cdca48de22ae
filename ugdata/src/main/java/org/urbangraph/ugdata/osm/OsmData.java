package org.urbangraph.ugdata.osm;

import java.nio.file.Path;
import java.util.List;

/**
 * What UGData needs from one OSM extract: the tagged nodes, the ways that matter for streets, buildings, areas
 * and POIs (with coordinates resolved), and the extent of the mapped streets.
 *
 * @param source the file read
 * @param nodes tagged nodes, in file order
 * @param ways kept ways with resolved coordinates, in file order
 * @param extent box of the street geometry (used to tell a photo inside the city from one outside)
 * @param nodesRead all nodes read, tagged or not
 * @param waysRead all ways read, kept or not
 * @param relationsRead relations read (UGData does not use relations; they are only counted)
 */
public record OsmData(Path source, List<OsmNode> nodes, List<OsmWay> ways, OsmBounds extent, long nodesRead,
        long waysRead, long relationsRead) {
}
