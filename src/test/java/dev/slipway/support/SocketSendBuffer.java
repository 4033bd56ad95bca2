package dev.slipway.support;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;

/**
 * Lets a test profile shrink the kernel send buffer of the HTTP server's sockets
 * ({@code test.slipway.socket-send-buffer}). Without it, a client that stops reading has megabytes taken off
 * the server by the kernel before the application sees any back-pressure, so a test of slow viewers would
 * need a very long log; with it, the application's own bounds are what a stalled client meets.
 */
@ApplicationScoped
public class SocketSendBuffer implements HttpServerOptionsCustomizer {

    private final Optional<Integer> bytes;

    public SocketSendBuffer(@ConfigProperty(name = "test.slipway.socket-send-buffer") Optional<Integer> bytes) {
        this.bytes = bytes;
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        bytes.ifPresent(options::setSendBufferSize);
    }
}
