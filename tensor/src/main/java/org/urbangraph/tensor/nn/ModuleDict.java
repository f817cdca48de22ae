package org.urbangraph.tensor.nn;

/** Children under arbitrary local names added from outside (torch.nn.ModuleDict), for checkpoint layouts such as
 * {@code merger.mlp.0} / {@code merger.mlp.2} where a Sequential has parameter-free slots in between. */
public final class ModuleDict extends Module {

    public <M extends Module> M put(String name, M module) {
        return child(name, module);
    }

    public Projection projectionAt(String name) {
        return projection(name);
    }

    public Layer layerAt(String name) {
        return layer(name);
    }
}
