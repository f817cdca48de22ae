package org.urbangraph.ugdata.osm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.urbangraph.ugdata.BuildIssues;

/** Reads an OSM extract, PBF or XML (plain or gzip), telling them apart by content rather than by name. */
public final class OsmReader {
    private OsmReader() {}

    public static OsmData read(Path file, BuildIssues issues) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "OSM extract not found");
        }
        if (isXml(file)) {
            return OsmXmlReader.read(file, issues);
        }
        return OsmPbfReader.read(file, issues);
    }

    /** XML starts (after gunzip if gzip) with '<' or a byte-order mark; a PBF starts with a 4-byte length. */
    static boolean isXml(Path file) throws IOException {
        try (InputStream in = OsmXmlReader.open(file)) {
            byte[] head = in.readNBytes(64);
            for (byte b : head) {
                if (b == '<') {
                    return true;
                }
                if (b != ' ' && b != '\n' && b != '\r' && b != '\t' && b != (byte) 0xEF && b != (byte) 0xBB
                        && b != (byte) 0xBF) {
                    return false;
                }
            }
            return false;
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": looks like gzip but cannot be decompressed (" + e.getMessage() + ")", e);
        }
    }
}
