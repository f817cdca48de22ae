package org.urbangraph.ugdata.render;

import java.awt.geom.Path2D;
import org.urbangraph.ugdata.geo.LocalFrame;

/**
 * A pinhole camera in the local metric frame of its position: world points (x east, y north, z up, metres)
 * go to camera space (right, up, forward) through heading and pitch, are clipped at the near plane, and
 * projected to pixels.
 */
final class Camera {
    static final double NEAR = 0.4;

    final LocalFrame frame;
    private final double sinH;
    private final double cosH;
    private final double sinP;
    private final double cosP;
    private final double eye;
    final double focal;
    final double cx;
    final double cy;

    Camera(CameraPose pose, RenderSettings s) {
        this.frame = LocalFrame.at(pose.lon(), pose.lat());
        double h = StrictMath.toRadians(pose.headingDeg());
        double p = StrictMath.toRadians(s.pitchDeg());
        this.sinH = StrictMath.sin(h);
        this.cosH = StrictMath.cos(h);
        this.sinP = StrictMath.sin(p);
        this.cosP = StrictMath.cos(p);
        this.eye = s.eyeHeightM();
        this.focal = (s.width() / 2.0) / StrictMath.tan(StrictMath.toRadians(s.hfovDeg() / 2));
        this.cx = s.width() / 2.0;
        this.cy = s.height() / 2.0;
    }

    /** Pixel row of the horizon. */
    double horizonY() {
        return cy + focal * sinP / cosP;
    }

    /** Forward distance (depth) of a ground point before pitch, for culling and sorting. */
    double depthOf(double x, double y) {
        return x * sinH + y * cosH;
    }

    /** Camera-space coordinates {right, up, forward} of a world point. */
    void toCamera(double x, double y, double z, double[] out) {
        double fwd = x * sinH + y * cosH;
        double right = x * cosH - y * sinH;
        double up = z - eye;
        out[0] = right;
        out[1] = up * cosP - fwd * sinP;
        out[2] = up * sinP + fwd * cosP;
    }

    /**
     * Projects a world polygon (n vertices in xs, ys, zs) to a screen path, clipped at the near plane; returns
     * null when nothing of it lies in front of the camera.
     */
    Path2D.Float project(double[] xs, double[] ys, double[] zs, int n) {
        double[] c = new double[3];
        double[][] cam = new double[n][];
        boolean anyFront = false;
        for (int i = 0; i < n; i++) {
            toCamera(xs[i], ys[i], zs[i], c);
            cam[i] = c.clone();
            anyFront |= c[2] > NEAR;
        }
        if (!anyFront) {
            return null;
        }
        // Sutherland-Hodgman against the plane forward = NEAR
        double[][] out = new double[2 * n][];
        int m = 0;
        for (int i = 0; i < n; i++) {
            double[] a = cam[i];
            double[] b = cam[(i + 1) % n];
            boolean ain = a[2] > NEAR;
            boolean bin = b[2] > NEAR;
            if (ain) {
                out[m++] = a;
            }
            if (ain != bin) {
                double t = (NEAR - a[2]) / (b[2] - a[2]);
                out[m++] = new double[] {a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), NEAR};
            }
        }
        if (m < 3) {
            return null;
        }
        Path2D.Float path = new Path2D.Float(Path2D.WIND_NON_ZERO, m);
        for (int i = 0; i < m; i++) {
            float u = (float) (cx + focal * out[i][0] / out[i][2]);
            float v = (float) (cy - focal * out[i][1] / out[i][2]);
            if (i == 0) {
                path.moveTo(u, v);
            } else {
                path.lineTo(u, v);
            }
        }
        path.closePath();
        return path;
    }

    /** Screen position {u, v, forward} of a world point, or null if behind the near plane. */
    double[] point(double x, double y, double z) {
        double[] c = new double[3];
        toCamera(x, y, z, c);
        if (c[2] <= NEAR) {
            return null;
        }
        return new double[] {cx + focal * c[0] / c[2], cy - focal * c[1] / c[2], c[2]};
    }
}
