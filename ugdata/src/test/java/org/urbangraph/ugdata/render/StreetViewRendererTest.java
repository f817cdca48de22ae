package org.urbangraph.ugdata.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.osm.OsmData;
import org.urbangraph.ugdata.osm.OsmReader;

class StreetViewRendererTest {
    static OsmData monaco;
    static CityGraph graph;
    static SceneIndex scene;
    static List<CameraPose> poses;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        System.setProperty("java.awt.headless", "true");
        monaco = OsmReader.read(Fixtures.path("data", "cities", "monaco.osm.pbf"), new BuildIssues(null));
        graph = CityGraphBuilder.build(monaco, "monaco", GraphSettings.defaults());
        scene = new SceneIndex(monaco);
        poses = CameraSampler.sample(graph, 6, 40, 3);
    }

    @Test
    void theSamePlaceRendersToIdenticalBytes() throws Exception {
        StreetViewRenderer a = new StreetViewRenderer(scene, RenderSettings.defaults());
        StreetViewRenderer b = new StreetViewRenderer(new SceneIndex(monaco), RenderSettings.defaults());
        Path f1 = tmp.resolve("a.png");
        Path f2 = tmp.resolve("b.png");
        PngOut.write(a.render(poses.get(0)), Map.of("Synthetic", "true"), f1);
        PngOut.write(b.render(poses.get(0)), Map.of("Synthetic", "true"), f2);
        assertArrayEquals(Files.readAllBytes(f1), Files.readAllBytes(f2));
        assertEquals("true", PngOut.readText(f1).get("Synthetic"));
        BufferedImage img = PngOut.read(f1);
        assertEquals(448, img.getWidth());
        assertEquals(448, img.getHeight());
    }

    @Test
    void anotherPlaceOrHeadingGivesADifferentPicture() {
        StreetViewRenderer r = new StreetViewRenderer(scene, RenderSettings.defaults().withSize(160, 120));
        BufferedImage base = r.render(poses.get(0));
        for (int i = 1; i < poses.size(); i++) {
            assertTrue(meanAbsDiff(base, r.render(poses.get(i))) > 4.0, "pose " + i + " looks like pose 0");
        }
        CameraPose p = poses.get(0);
        CameraPose turned = new CameraPose(p.lon(), p.lat(), Geo.normalizeDegrees(p.headingDeg() + 90), p.streetKey(),
                p.streetName(), p.highway());
        assertTrue(meanAbsDiff(base, r.render(turned)) > 4.0, "turning the camera changes the view");
        double[] moved = Geo.destination(p.lon(), p.lat(), p.headingDeg(), 25);
        CameraPose ahead = new CameraPose(moved[0], moved[1], p.headingDeg(), p.streetKey(), p.streetName(), p.highway());
        assertTrue(meanAbsDiff(base, r.render(ahead)) > 1.0, "walking 25 m changes the view");
    }

    @Test
    void skyAboveAndStreetBelow() {
        StreetViewRenderer r = new StreetViewRenderer(scene, RenderSettings.defaults());
        for (CameraPose p : poses) {
            BufferedImage img = r.render(p);
            int sky = img.getRGB(224, 2);
            assertTrue(blue(sky) > red(sky) + 40 || isBuilding(sky), "top of " + p + " is sky or a facade: " + hex(sky));
            int road = img.getRGB(224, 440);
            assertTrue(Math.abs(red(road) - green(road)) < 20 && Math.abs(green(road) - blue(road)) < 20
                    && red(road) < 200, "bottom centre of " + p + " is a grey road surface: " + hex(road));
        }
    }

    @Test
    void settingsAreValidated() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RenderSettings.defaults().withSize(8, 448));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RenderSettings(448, 448, 180, 1.6, 0, 260));
    }

    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                sum += Math.abs(red(p) - red(q)) + Math.abs(green(p) - green(q)) + Math.abs(blue(p) - blue(q));
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    private static boolean isBuilding(int rgb) {
        return red(rgb) >= blue(rgb) - 10; // facades are warm or grey, never sky blue
    }

    private static int red(int rgb) {
        return (rgb >> 16) & 0xff;
    }

    private static int green(int rgb) {
        return (rgb >> 8) & 0xff;
    }

    private static int blue(int rgb) {
        return rgb & 0xff;
    }

    private static String hex(int rgb) {
        return String.format("#%06x", rgb & 0xffffff);
    }
}
