package org.urbangraph.ugdata.render;

/**
 * Where a synthetic street view is taken: on a street, looking along it.
 *
 * @param lon camera longitude
 * @param lat camera latitude
 * @param headingDeg view direction, degrees clockwise from north
 * @param streetKey graph key of the street the camera stands on
 * @param streetName that street's name
 * @param highway highway class of the section of that street the camera stands on: that of its own OSM way, which
 *     may differ from the class of the merged street as a whole (a track that goes on as an unclassified road)
 */
public record CameraPose(double lon, double lat, double headingDeg, String streetKey, String streetName,
        String highway) {}
