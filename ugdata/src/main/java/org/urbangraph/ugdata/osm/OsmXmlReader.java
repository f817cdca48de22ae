package org.urbangraph.ugdata.osm;

import java.io.BufferedInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.urbangraph.ugdata.BuildIssues;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads OSM XML ({@code .osm}, or gzip-compressed {@code .osm.gz}, recognised by its magic bytes) with the
 * JDK's SAX parser. An element with a bad number is reported with its line and skipped. An XML error (a syntax
 * error, or bytes that are not in the document's encoding, UTF-8 unless it declares another) ends the document:
 * it is reported with the file, line, column and the parser's message, and the elements read before it are kept.
 *
 * <p>SAX rather than StAX: the parser's own error handler would print {@code [Fatal Error] ...} to stderr for an
 * encoding error, and only SAX lets the reader replace it, so every problem goes through {@link BuildIssues}.
 */
public final class OsmXmlReader {
    private OsmXmlReader() {}

    public static OsmData read(Path file, BuildIssues issues) throws IOException {
        OsmCollector sink = new OsmCollector();
        Handler handler = new Handler(sink, file, issues);
        XMLReader xml;
        try {
            xml = parserFactory().newSAXParser().getXMLReader();
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's SAX parser cannot be configured", e);
        }
        xml.setContentHandler(handler);
        xml.setErrorHandler(handler);
        try (InputStream in = open(file)) {
            try {
                xml.parse(new InputSource(in));
            } catch (SAXParseException e) {
                boolean known = e.getLineNumber() > 0;
                String where = where(file, known ? e.getLineNumber() : handler.line(),
                        known ? e.getColumnNumber() : handler.column());
                boolean encoding = e.getException() instanceof CharConversionException;
                issues.report(BuildIssues.Kind.OSM_XML_ERROR, where, (encoding
                        ? "bytes that are not text in the document's encoding (UTF-8 unless it declares another)"
                        : "XML syntax error") + ", the rest of the file is skipped: " + message(e));
            } catch (SAXException e) {
                issues.report(BuildIssues.Kind.OSM_XML_ERROR, where(file, handler.line(), handler.column()),
                        "XML error, the rest of the file is skipped: " + message(e));
            } catch (IOException e) {
                // a truncated or corrupt .osm.gz: keep what was read, as for a syntax error
                issues.report(BuildIssues.Kind.OSM_XML_ERROR, where(file, handler.line(), handler.column()),
                        "the file cannot be read to its end, the rest is skipped: " + e);
            }
        }
        return sink.finish(file, issues);
    }

    private static String where(Path file, int line, int column) {
        return line > 0 ? file + ": line " + line + ", column " + column : file.toString();
    }

    private static SAXParserFactory parserFactory() throws ParserConfigurationException, SAXException {
        SAXParserFactory f = SAXParserFactory.newInstance();
        f.setNamespaceAware(false);
        f.setValidating(false);
        // no DTDs or external entities: an extract is plain data
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f;
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

    /** The parser's own words: the first line of its message, or the exception's class when it has none. */
    private static String message(SAXException e) {
        String m = e.getMessage();
        if ((m == null || m.isBlank()) && e.getException() != null) {
            m = e.getException().getMessage();
        }
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int i = m.indexOf('\n');
        return (i < 0 ? m : m.substring(0, i)).strip();
    }

    /** Collects nodes, ways and relations; its error methods replace the parser's printing default. */
    private static final class Handler extends DefaultHandler {
        private final OsmCollector sink;
        private final Path file;
        private final BuildIssues issues;
        private Locator locator;
        // element being read: 'n' node, 'w' way, 'r' relation, 0 none
        private char current;
        private long id;
        private double lon;
        private double lat;
        private boolean bad;
        private Map<String, String> tags;
        private long[] refs = new long[64];
        private int nrefs;

        Handler(OsmCollector sink, Path file, BuildIssues issues) {
            this.sink = sink;
            this.file = file;
            this.issues = issues;
        }

        int line() {
            return locator == null ? -1 : locator.getLineNumber();
        }

        int column() {
            return locator == null ? -1 : locator.getColumnNumber();
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public void startElement(String uri, String localName, String name, Attributes attrs) {
            switch (name) {
                case "node", "way", "relation" -> {
                    current = name.charAt(0);
                    tags = null;
                    nrefs = 0;
                    bad = false;
                    try {
                        id = Long.parseLong(attr(attrs, "id"));
                        if (current == 'n') {
                            lat = Double.parseDouble(attr(attrs, "lat"));
                            lon = Double.parseDouble(attr(attrs, "lon"));
                            if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
                                throw new NumberFormatException("coordinates " + lon + ", " + lat
                                        + " are outside lon -180..180, lat -90..90");
                            }
                        }
                    } catch (NumberFormatException e) {
                        bad = true;
                        issues.report(BuildIssues.Kind.OSM_BAD_VALUE, file + ": line " + line(),
                                "<" + name + "> skipped: " + e.getMessage());
                    }
                }
                case "tag" -> {
                    if (current != 0) {
                        String k = attrs.getValue("k");
                        String v = attrs.getValue("v");
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
                        String ref = attrs.getValue("ref");
                        try {
                            long r = Long.parseLong(ref);
                            if (nrefs == refs.length) {
                                refs = Arrays.copyOf(refs, nrefs * 2);
                            }
                            refs[nrefs++] = r;
                        } catch (NumberFormatException e) {
                            issues.report(BuildIssues.Kind.OSM_BAD_VALUE, file + ": line " + line(),
                                    "<nd ref=\"" + ref + "\"> in way " + id + " is not a node id; reference skipped");
                        }
                    }
                }
                default -> { }
            }
        }

        @Override
        public void endElement(String uri, String localName, String name) {
            if (current != 0 && name.length() > 0 && name.charAt(0) == current
                    && (name.equals("node") || name.equals("way") || name.equals("relation"))) {
                if (!bad) {
                    switch (current) {
                        case 'n' -> sink.node(id, lon, lat, tags);
                        case 'w' -> sink.way(id, Arrays.copyOf(refs, nrefs), tags);
                        default -> sink.relation();
                    }
                }
                current = 0;
            }
        }

        private static String attr(Attributes attrs, String name) {
            String v = attrs.getValue(name);
            if (v == null) {
                throw new NumberFormatException("missing attribute '" + name + "'");
            }
            return v;
        }

        @Override
        public void warning(SAXParseException e) {
            // nothing in a plain OSM document warrants one; the default would print it
        }

        @Override
        public void error(SAXParseException e) {
            // a recoverable (validity) error: nothing an OSM reader checks; the default would print it
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    }
}
