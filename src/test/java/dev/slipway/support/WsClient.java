package dev.slipway.support;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

/** A WebSocket viewer of the test application that records what it receives and how it was closed. */
public final class WsClient {

    /** Every message received, in order. */
    public final ConcurrentLinkedQueue<JsonObject> messages = new ConcurrentLinkedQueue<>();
    /** When each log line arrived, by seq (the first time, should one come twice). */
    public final Map<Long, Instant> receivedAt = new ConcurrentHashMap<>();
    /** Completes with the close status code. */
    public final CompletableFuture<Short> closed = new CompletableFuture<>();
    /** The close reason, once closed. */
    public volatile String closeReason;
    /** The socket, to pause or close it. */
    public WebSocket socket;

    private WsClient() {
    }

    /** Connects as {@code key} to {@code uri} of the application on {@code port}. */
    public static WsClient connect(Vertx vertx, int port, String uri, String key) throws Exception {
        return connect(vertx, new WebSocketClientOptions(), "localhost", port, uri, key);
    }

    /** Connects with client options, e.g. a small receive buffer. */
    public static WsClient connect(Vertx vertx, WebSocketClientOptions clientOptions, String host, int port,
            String uri, String key) throws Exception {
        WsClient client = new WsClient();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(port).setURI(uri)
                .addHeader("Authorization", "Bearer " + key);
        // Handlers are set in the connect callback, on the socket's event loop, before any frame is read.
        client.socket = vertx.createWebSocketClient(clientOptions).connect(options)
                .onSuccess(socket -> {
                    socket.textMessageHandler(text -> client.received(new JsonObject(text)));
                    socket.closeHandler(v -> {
                        client.closeReason = socket.closeReason();
                        client.closed.complete(socket.closeStatusCode());
                    });
                }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return client;
    }

    private void received(JsonObject message) {
        if ("log".equals(message.getString("type"))) {
            receivedAt.putIfAbsent(message.getLong("seq"), Instant.now());
        }
        messages.add(message);
    }

    /** The messages of one type, in order. */
    public List<JsonObject> ofType(String type) {
        return messages.stream().filter(m -> type.equals(m.getString("type"))).toList();
    }

    /** The seqs of the log messages, in order. */
    public List<Long> seqs() {
        return messages.stream().filter(m -> "log".equals(m.getString("type"))).map(m -> m.getLong("seq"))
                .toList();
    }
}
