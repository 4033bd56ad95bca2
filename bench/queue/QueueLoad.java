import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The load side of bench/queue: creates the projects, then sends the deployment requests through the REST
 * API with a fixed number of requests in flight, as many bots would. Run with {@code java QueueLoad.java}.
 */
public class QueueLoad {

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String base = "http://" + args[1] + "/api/v1";
        String key = args[2];
        int projects = Integer.parseInt(args[3]);
        int concurrency = Integer.parseInt(args[4]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Semaphore inFlight = new Semaphore(concurrency);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        int count = mode.equals("projects") ? projects : Integer.parseInt(args[5]);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String path;
            String body;
            if (mode.equals("projects")) {
                path = "/projects";
                body = "{\"name\":\"bench-" + i + "\",\"provider\":\"simulator\","
                        + "\"target\":{\"buildSeconds\":0,\"logLines\":10}}";
            } else {
                // Half the projects' pairs are production, half preview: MAX_ACTIVE pairs in all.
                int pair = i % projects;
                path = "/deployments";
                body = "{\"project\":\"bench-" + (pair / 2) + "\",\"environment\":\""
                        + (pair % 2 == 0 ? "production" : "preview") + "\",\"supersede\":false}";
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            inFlight.acquire();
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                inFlight.release();
                if (e != null || r.statusCode() >= 300) {
                    System.err.println("request failed: " + (e != null ? e : r.statusCode() + " " + r.body()));
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d requests in %.1f s (%.0f/s)%n", mode, count, seconds, count / seconds);
    }
}
