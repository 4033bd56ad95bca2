import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The load side of bench/queue: creates the projects, then sends the deployment requests through the REST
 * API with a fixed number of requests in flight, as many bots would.
 *
 * <p>It shares two cores with Slipway and PostgreSQL, so it is kept cheap: one Vert.x event loop and
 * {@code concurrency} kept-alive connections, each sending its next request when the previous answer
 * arrived. The JDK's HTTP client it replaced took about as much CPU per request as Slipway's whole create
 * path, which the run then counted against the queue.
 */
public class QueueLoad {

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String[] hostPort = args[1].split(":");
        String key = args[2];
        int projects = Integer.parseInt(args[3]);
        int concurrency = Integer.parseInt(args[4]);
        int count = mode.equals("projects") ? projects : Integer.parseInt(args[5]);

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions().setDefaultHost(hostPort[0]).setDefaultPort(Integer.parseInt(hostPort[1]))
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(concurrency));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(count);
        long start = System.nanoTime();
        Runnable[] send = new Runnable[1];
        send[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= count) {
                return;
            }
            String path;
            String body;
            if (mode.equals("projects")) {
                path = "/api/v1/projects";
                body = "{\"name\":\"bench-" + i + "\",\"provider\":\"simulator\","
                        + "\"target\":{\"buildSeconds\":0,\"logLines\":10}}";
            } else {
                // Half the projects' pairs are production, half preview: MAX_ACTIVE pairs in all.
                int pair = i % projects;
                path = "/api/v1/deployments";
                body = "{\"project\":\"bench-" + (pair / 2) + "\",\"environment\":\""
                        + (pair % 2 == 0 ? "production" : "preview") + "\",\"supersede\":false}";
            }
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
                    .putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json");
            http.request(request)
                    .compose(r -> r.send(Buffer.buffer(body)))
                    .compose(response -> response.body().map(b -> {
                        if (response.statusCode() >= 300) {
                            failures.incrementAndGet();
                            System.err.println("request failed: " + response.statusCode() + " " + b);
                        }
                        return b;
                    }))
                    .onComplete(result -> {
                        if (result.failed()) {
                            failures.incrementAndGet();
                            System.err.println("request failed: " + result.cause());
                        }
                        done.countDown();
                        send[0].run();
                    });
        };
        vertx.runOnContext(v -> {
            for (int c = 0; c < concurrency; c++) {
                send[0].run();
            }
        });
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d requests in %.1f s (%.0f/s)%s%n", mode, count, seconds, count / seconds,
                failures.get() == 0 ? "" : ", " + failures.get() + " failed");
        vertx.close().toCompletionStage().toCompletableFuture().join();
        if (failures.get() > 0) {
            System.exit(1);
        }
    }
}
