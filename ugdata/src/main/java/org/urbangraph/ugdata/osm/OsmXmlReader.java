package org.urbangraph.ugdata.osm;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.urbangraph.ugdata.BuildIssues;

/**
 * Reads OSM XML ({@code .osm}, or gzip-compressed {@code .osm.gz}, recognised by its magic bytes) with the
 * JDK's StAX parser. An element with a bad number is reported with its line and skipped. An XML syntax error
 * ends the document (a streaming parser cannot resynchronise); it is reported with line and column, and the
 * elements read before it are kept.
 */
public final class OsmXmlReader {
    private OsmXmlReader() {}

    public static OsmData read(Path file, BuildIssues issues) throws IOException {
        OsmCollector sink = new OsmCollector();
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try (InputStream in = open(file)) {
            XMLStreamReader xml = factory.createXMLStreamReader(in);
            try {
                parse(xml, sink, file, issues);
            } finally {
                xml.close();
            }
        } catch (XMLStreamException e) {
            Location loc = e.getLocation();
            String where = loc == null ? file.toString()
                    : file + ": line " + loc.getLineNumber() + ", column " + loc.getColumnNumber();
            issues.report(BuildIssues.Kind.OSM_XML_ERROR, where, "XML syntax error, the rest of the file is skipped: "
                    + firstLine(e.getMessage()));
        }
        return sink.finish(file, issues);
    }

    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    private static void parse(XMLStreamReader xml, OsmCollector sink, Path file, BuildIssues issues)
            throws XMLStreamException {
        // element being read: 'n' node, 'w' way, 'r' relation, 0 none
        char current = 0;
        long id = 0;
        double lon = 0;
        double lat = 0;
        boolean bad = false;
        int line = 0;
        Map<String, String> tags = null;
        long[] refs = new long[64];
        int nrefs = 0;
        while (xml.hasNext()) {
            int ev = xml.next();
            if (ev == XMLStreamConstants.START_ELEMENT) {
                String name = xml.getLocalName();
                switch (name) {
                    case "node", "way", "relation" -> {
                        current = name.charAt(0);
                        tags = null;
                        nrefs = 0;
                        bad = false;
                        line = xml.getLocation().getLineNumber();
                        try {
                            id = Long.parseLong(attr(xml, "id", name));
                            if (current == 'n') {
                                lat = Double.parseDouble(attr(xml, "lat", name));
                                lon = Double.parseDouble(attr(xml, "lon", name));
                                if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
                                    throw new NumberFormatException("coordinates " + lon + ", " + lat
                                            + " are outside lon -180..180, lat -90..90");
                                }
                            }
                        } catch (NumberFormatException e) {
                            bad = true;
                            issues.report(BuildIssues.Kind.OSM_BAD_VALUE, file + ": line " + line,
                                    "<" + name + "> skipped: " + e.getMessage());
                        }
                    }
                    case "tag" -> {
                        if (current != 0) {
                            String k = xml.getAttributeValue(null, "k");
                            String v = xml.getAttributeValue(null, "v");
                            if (k != null && v != null) {
                                if (tags == null) {
                                    tags = new HashMap<>(8);
                                }
                                tags.put(k, v);
                            }
                        }
                    }
                    case "nd" -> {
                        if (current == 'w') {
                            String ref = xml.getAttributeValue(null, "ref");
                            try {
                                long r = Long.parseLong(ref);
                                if (nrefs == refs.length) {
                                    refs = java.util.Arrays.copyOf(refs, nrefs * 2);
                                }
                                refs[nrefs++] = r;
                            } catch (NumberFormatException e) {
                                issues.report(BuildIssues.Kind.OSM_BAD_VALUE,
                                        file + ": line " + xml.getLocation().getLineNumber(),
                                        "<nd ref=\"" + ref + "\"> in way " + id + " is not a node id; reference skipped");
                            }
                        }
                    }
                    default -> { }
                }
            } else if (ev == XMLStreamConstants.END_ELEMENT) {
                String name = xml.getLocalName();
                if (current != 0 && name.length() > 0 && name.charAt(0) == current
                        && (name.equals("node") || name.equals("way") || name.equals("relation"))) {
                    if (!bad) {
                        switch (current) {
                            case 'n' -> sink.node(id, lon, lat, tags);
                            case 'w' -> sink.way(id, java.util.Arrays.copyOf(refs, nrefs), tags);
                            default -> sink.relation();
                        }
                    }
                    current = 0;
                }
            }
        }
    }

    private static String attr(XMLStreamReader xml, String name, String element) {
        String v = xml.getAttributeValue(null, name);
        if (v == null) {
            throw new NumberFormatException("missing attribute '" + name + "'");
        }
        return v;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return (i < 0 ? s : s.substring(0, i)).strip();
    }
}
