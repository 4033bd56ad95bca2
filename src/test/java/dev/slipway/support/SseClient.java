package dev.slipway.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.json.JsonObject;

/**
 * A Server-Sent Events client on a plain socket. It reads nothing until {@link #read()} is called, so a test
 * can open a stream and leave it unread, as a stalled browser would; then it reads the stream to its end.
 */
public final class SseClient {

    /** One event: its name, its id (null when it has none) and its data. */
    public record Event(String name, String id, String data) {
        public JsonObject json() {
            return new JsonObject(data);
        }
    }

    /** Every event received, in order. */
    public final List<Event> events = new CopyOnWriteArrayList<>();
    /** Completes with the HTTP status once the server has ended the stream. */
    public final CompletableFuture<Integer> ended = new CompletableFuture<>();

    private final Socket socket;
    private int status;

    private SseClient(Socket socket) {
        this.socket = socket;
    }

    /**
     * Sends {@code GET uri} with {@code Accept: text/event-stream} as {@code key}, with the given headers; a
     * {@code receiveBuffer} above 0 sets the socket's receive buffer (small: a stalled client shows quickly).
     */
    public static SseClient open(int port, String uri, String key, Map<String, String> headers,
            int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("localhost", port), 10_000);
        StringBuilder request = new StringBuilder("GET " + uri + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n")
                .append("Authorization: Bearer ").append(key).append("\r\n")
                .append("Accept: text/event-stream\r\n")
                // The server closes the connection when the stream ends: the end is the end of the input.
                .append("Connection: close\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new SseClient(socket);
    }

    /** Starts reading, on a thread of its own, until the server ends the stream. */
    public SseClient read() {
        Thread reader = new Thread(() -> {
            try (socket) {
                readResponse(new BufferedInputStream(socket.getInputStream()));
                ended.complete(status);
            } catch (IOException | RuntimeException e) {
                ended.completeExceptionally(e);
            }
        }, "sse-client");
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    /** The events of one name, in order. */
    public List<Event> named(String name) {
        return events.stream().filter(e -> name.equals(e.name())).toList();
    }

    /** The seqs of the log events, in order. */
    public List<Long> seqs() {
        return named("log").stream().map(e -> e.json().getLong("seq")).toList();
    }

    /** The last event received. */
    public Event last() {
        return events.get(events.size() - 1);
    }

    private void readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        status = Integer.parseInt(statusLine.split(" ")[1]);
        boolean chunked = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase().startsWith("transfer-encoding:") && header.toLowerCase().contains("chunked")) {
                chunked = true;
            }
        }
        Parser parser = new Parser();
        if (!chunked) {
            for (int b = in.read(); b >= 0; b = in.read()) {
                parser.accept(b);
            }
            return;
        }
        for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
            for (int i = 0; i < size; i++) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("stream cut in the middle of a chunk");
                }
                parser.accept(b);
            }
            line(in);
        }
    }

    /** One CRLF-terminated line of the HTTP framing. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed before the stream ended");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    /** The event-stream format: {@code field:value} lines, an empty line ends an event. */
    private final class Parser {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private String name;
        private String id;
        private StringBuilder data;

        void accept(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            if (text.isEmpty()) {
                if (data != null) {
                    events.add(new Event(name == null ? "message" : name, id, data.toString()));
                }
                name = null;
                id = null;
                data = null;
                return;
            }
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> name = value;
                case "id" -> id = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
    }

    /** Closes the connection without reading further. */
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
