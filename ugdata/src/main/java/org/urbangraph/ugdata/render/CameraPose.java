package org.urbangraph.ugdata.render;

/**
 * Where a synthetic street view is taken: on a street, looking along it.
 *
 * @param lon camera longitude
 * @param lat camera latitude
 * @param headingDeg view direction, degrees clockwise from north
 * @param streetKey graph key of the street the camera stands on
 * @param streetName that street's name
 */
public record CameraPose(double lon, double lat, double headingDeg, String streetKey, String streetName) {}
