package org.urbangraph.ugbench.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The UGBench tasks as reports name them. The perception tasks use labels derived from OpenStreetMap around the image,
 * not the authors' human perception scores (which are not available), and every title says so. Each perception task
 * is reported twice: ranked against its label prototypes ({@code perception_*}) and by a linear probe on the fixed
 * {@code fold} split ({@code perception_*_probe}).
 */
public final class TaskCatalog {
    private TaskCatalog() {}

    /** Suffix of the linear-probe result of a perception task. */
    public static final String PROBE_SUFFIX = "_probe";

    /** The task files a dataset holds, in report order. */
    public static final List<String> TASK_FILES = List.of("geolocation", "text_to_image", "image_to_image",
            "perception_land_use", "perception_poi_mix", "perception_street_class", "nearest_poi",
            "distance_direction");

    private static final Map<String, String> TITLES = titles();

    private static Map<String, String> titles() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("geolocation", "Geolocation ranking (image -> place description)");
        t.put("text_to_image", "Image retrieval: text -> image");
        t.put("image_to_image", "Image retrieval: image -> image of the same place");
        for (String set : List.of("land_use", "poi_mix", "street_class")) {
            String name = set.replace('_', ' ').replace("poi", "POI");
            t.put("perception_" + set, "Urban perception with OSM-derived labels: " + name + " (prototype ranking)");
            t.put("perception_" + set + PROBE_SUFFIX, "Urban perception with OSM-derived labels: " + name
                    + " (linear probe)");
        }
        t.put("nearest_poi", "Spatial grounding: nearest POI");
        t.put("distance_direction", "Spatial grounding: distance and direction");
        return Map.copyOf(t);
    }

    public static boolean isPerception(String task) {
        return task.startsWith("perception_") && !task.endsWith(PROBE_SUFFIX);
    }

    /** A readable title; unknown tasks (a newer dataset) keep their file name. */
    public static String title(String task) {
        return TITLES.getOrDefault(task, task);
    }

    /** Report order: the known tasks in catalogue order (each perception task followed by its probe), then others. */
    public static int order(String task) {
        String base = task.endsWith(PROBE_SUFFIX) ? task.substring(0, task.length() - PROBE_SUFFIX.length()) : task;
        int i = TASK_FILES.indexOf(base);
        return (i < 0 ? TASK_FILES.size() : i) * 2 + (task.equals(base) ? 0 : 1);
    }
}
