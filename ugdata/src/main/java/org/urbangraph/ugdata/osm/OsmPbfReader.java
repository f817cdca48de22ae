package org.urbangraph.ugdata.osm;

import com.google.protobuf.ByteString;
import crosby.binary.BinaryParser;
import crosby.binary.Fileformat;
import crosby.binary.Osmformat;
import crosby.binary.file.FileBlock;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.urbangraph.ugdata.BuildIssues;

/**
 * Reads an {@code .osm.pbf} extract with the osmpbf library's protobuf classes and block decoder.
 *
 * <p>The file framing (length, BlobHeader, Blob) is walked here rather than by the library's
 * {@code BlockInputStream}, so that one corrupt block is reported with its number and byte offset and skipped
 * while the rest of the file is still read. A broken frame (a header length or data size that cannot be right,
 * or a truncated file) ends reading at that point, since the next block cannot be found; what was read before
 * it is kept.
 */
public final class OsmPbfReader {
    /** Limits from the PBF specification: BlobHeader at most 64 KiB, Blob at most 32 MiB. */
    private static final int MAX_HEADER = 64 * 1024;
    private static final int MAX_BLOB = 32 * 1024 * 1024;
    private static final Set<String> SUPPORTED_FEATURES = Set.of("OsmSchema-V0.6", "DenseNodes",
            "HistoricalInformation");

    private OsmPbfReader() {}

    public static OsmData read(Path file, BuildIssues issues) throws IOException {
        OsmCollector sink = new OsmCollector();
        Decoder decoder = new Decoder(sink, file);
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            long offset = 0;
            for (int block = 0;; block++) {
                int headerLen;
                try {
                    headerLen = in.readInt();
                } catch (EOFException end) {
                    break;
                }
                String where = file + ": block " + block + " at byte " + offset;
                if (headerLen <= 0 || headerLen > MAX_HEADER) {
                    issues.report(BuildIssues.Kind.OSM_CORRUPT_BLOCK, where, "blob header length " + headerLen
                            + " is outside 1.." + MAX_HEADER + "; the file is corrupt from here on, reading stops");
                    break;
                }
                Fileformat.BlobHeader header;
                byte[] data;
                try {
                    byte[] hb = in.readNBytes(headerLen);
                    if (hb.length < headerLen) {
                        throw new EOFException("file ends inside the blob header");
                    }
                    header = Fileformat.BlobHeader.parseFrom(hb);
                    int size = header.getDatasize();
                    if (size < 0 || size > MAX_BLOB) {
                        throw new IOException("blob size " + size + " is outside 0.." + MAX_BLOB);
                    }
                    data = in.readNBytes(size);
                    if (data.length < size) {
                        throw new EOFException("file ends inside the blob (" + data.length + " of " + size + " bytes)");
                    }
                } catch (IOException e) {
                    issues.report(BuildIssues.Kind.OSM_CORRUPT_BLOCK, where, "unreadable block frame ("
                            + e.getMessage() + "); reading stops here");
                    break;
                }
                offset += 4 + headerLen + data.length;
                try {
                    ByteString payload = decompress(Fileformat.Blob.parseFrom(data));
                    decoder.handleBlock(FileBlock.newInstance(header.getType(), payload, ByteString.EMPTY));
                } catch (UnsupportedFeatureException e) {
                    throw new IOException(file + ": " + e.getMessage(), e);
                } catch (Exception e) {
                    issues.report(BuildIssues.Kind.OSM_CORRUPT_BLOCK, where, "corrupt " + header.getType()
                            + " block skipped (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
                }
            }
        }
        return sink.finish(file, issues);
    }

    private static ByteString decompress(Fileformat.Blob blob) throws IOException {
        if (blob.hasRaw()) {
            return blob.getRaw();
        }
        if (blob.hasZlibData()) {
            int size = blob.getRawSize();
            if (size < 0 || size > MAX_BLOB) {
                throw new IOException("raw size " + size + " is outside 0.." + MAX_BLOB);
            }
            byte[] out = new byte[size];
            Inflater inflater = new Inflater();
            try {
                inflater.setInput(blob.getZlibData().toByteArray());
                int n = 0;
                while (n < size && !inflater.finished()) {
                    int k = inflater.inflate(out, n, size - n);
                    if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        break;
                    }
                    n += k;
                }
                // inflate once more at the end so that the adler-32 check of the stream runs
                if (!inflater.finished()) {
                    inflater.inflate(new byte[1]);
                }
                if (n != size || !inflater.finished()) {
                    throw new IOException("zlib data gives " + n + " bytes, header says " + size);
                }
            } catch (DataFormatException e) {
                throw new IOException("zlib data is corrupt: " + e.getMessage(), e);
            } finally {
                inflater.end();
            }
            return ByteString.copyFrom(out);
        }
        throw new IOException("block compression is not zlib or raw (lzma, lz4 and zstd are not supported)");
    }

    private static final class UnsupportedFeatureException extends RuntimeException {
        UnsupportedFeatureException(String message) {
            super(message);
        }
    }

    /** Decodes primitive blocks into the collector; the library does the string table and coordinate scaling. */
    private static final class Decoder extends BinaryParser {
        private final OsmCollector sink;
        private final Path file;

        Decoder(OsmCollector sink, Path file) {
            this.sink = sink;
            this.file = file;
        }

        @Override
        protected void parse(Osmformat.HeaderBlock header) {
            for (String feature : header.getRequiredFeaturesList()) {
                if (!SUPPORTED_FEATURES.contains(feature)) {
                    throw new UnsupportedFeatureException("the file requires the PBF feature '" + feature
                            + "', which this reader does not support (supported: " + SUPPORTED_FEATURES + ")");
                }
            }
        }

        @Override
        protected void parseDense(Osmformat.DenseNodes dense) {
            long id = 0;
            long lat = 0;
            long lon = 0;
            int kv = 0;
            int kvCount = dense.getKeysValsCount();
            for (int i = 0; i < dense.getIdCount(); i++) {
                id += dense.getId(i);
                lat += dense.getLat(i);
                lon += dense.getLon(i);
                Map<String, String> tags = null;
                if (kvCount > 0) {
                    while (kv < kvCount && dense.getKeysVals(kv) != 0) {
                        if (tags == null) {
                            tags = new HashMap<>(4);
                        }
                        tags.put(getStringById(dense.getKeysVals(kv)), getStringById(dense.getKeysVals(kv + 1)));
                        kv += 2;
                    }
                    kv++; // the 0 that ends this node's tags
                }
                sink.node(id, parseLon(lon), parseLat(lat), tags);
            }
        }

        @Override
        protected void parseNodes(List<Osmformat.Node> nodes) {
            for (Osmformat.Node n : nodes) {
                sink.node(n.getId(), parseLon(n.getLon()), parseLat(n.getLat()), tags(n.getKeysList(), n.getValsList()));
            }
        }

        @Override
        protected void parseWays(List<Osmformat.Way> ways) {
            for (Osmformat.Way w : ways) {
                long[] refs = new long[w.getRefsCount()];
                long ref = 0;
                for (int i = 0; i < refs.length; i++) {
                    ref += w.getRefs(i);
                    refs[i] = ref;
                }
                sink.way(w.getId(), refs, tags(w.getKeysList(), w.getValsList()));
            }
        }

        @Override
        protected void parseRelations(List<Osmformat.Relation> relations) {
            for (int i = 0; i < relations.size(); i++) {
                sink.relation();
            }
        }

        private Map<String, String> tags(List<Integer> keys, List<Integer> vals) {
            if (keys.isEmpty()) {
                return null;
            }
            if (keys.size() != vals.size()) {
                throw new IllegalStateException(file + ": element with " + keys.size() + " tag keys and "
                        + vals.size() + " values");
            }
            Map<String, String> tags = new HashMap<>(keys.size() * 2);
            for (int i = 0; i < keys.size(); i++) {
                tags.put(getStringById(keys.get(i)), getStringById(vals.get(i)));
            }
            return tags;
        }

        @Override
        public void complete() {
        }
    }
}
