package org.urbangraph.ugdata.graph;

/**
 * A typed edge with its length in metres and bearing in degrees (from source towards target). Every edge is its
 * own object: the city graph is a multigraph, and JGraphT tells parallel edges apart by identity.
 *
 * @param via the crossing node key for street-to-street edges, otherwise null
 */
public record SpatialEdge(Relation relation, double lengthM, double bearingDeg, String via) {

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
