package dev.spendgate.testing.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * An S3-compatible server (s3proxy, in-process, in memory) on 127.0.0.1.
 *
 * <p>{@link #stop()} and {@link #restart()} simulate an S3 outage: the server goes away and comes back on the same
 * port with every object it held, so clients built before the outage keep working after it. Tests that stop the
 * server should {@link #start()} one of their own rather than stopping the {@link #shared()} one.
 */
public final class LocalS3 implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final AtomicInteger BUCKET_COUNTER = new AtomicInteger();
    private static LocalS3 shared;

    private final BlobStore blobStore = new TransientNio2BlobStore();
    private final boolean isShared;
    private final int port;
    private final URI endpoint;
    private final S3Client client;
    private final Thread shutdownHook;
    private S3Proxy proxy;
    private boolean closed;

    private LocalS3(boolean isShared) {
        this.isShared = isShared;
        this.proxy = startProxy(0, Duration.ZERO);
        this.port = proxy.getPort();
        this.endpoint = URI.create("http://127.0.0.1:" + port);
        this.client = clientBuilder().build();
        this.shutdownHook = new Thread(this::stopQuietly, "local-s3-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a server of its own; close it when done. */
    public static LocalS3 start() {
        return new LocalS3(false);
    }

    /** The server shared by every test in this JVM, started on first use; {@link #close()} on it does nothing. */
    public static synchronized LocalS3 shared() {
        if (shared == null) {
            shared = new LocalS3(true);
        }
        return shared;
    }

    /** The server's endpoint, e.g. {@code http://127.0.0.1:41234}; it stays the same across restarts. */
    public URI endpoint() {
        return endpoint;
    }

    /** A client owned by this server (do not close it); use {@link #clientBuilder()} for a client of your own. */
    public S3Client client() {
        return client;
    }

    /**
     * A builder preconfigured for this server: endpoint, path-style, region us-east-1, credentials test/test, and
     * aws-chunked uploads off. s3proxy 4.1.0 leaves part of an aws-chunked body (what the SDK sends over plain HTTP)
     * unread, so Jetty drops the keep-alive connection and the next request on it fails (measured: 15-30% of puts with
     * one attempt). If you replace the service configuration, keep {@code chunkedEncodingEnabled(false)}.
     */
    public S3ClientBuilder clientBuilder() {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .serviceConfiguration(c -> c.chunkedEncodingEnabled(false))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder());
    }

    /** Creates the bucket. */
    public void createBucket(String name) {
        Objects.requireNonNull(name, "name");
        client.createBucket(b -> b.bucket(name));
    }

    /** Creates a bucket no other caller in this JVM gets and returns its name, e.g. {@code usage-17}. */
    public String createUniqueBucket(String prefix) {
        String name = prefix + "-" + BUCKET_COUNTER.incrementAndGet();
        createBucket(name);
        return name;
    }

    /** True between start (or restart) and stop. */
    public synchronized boolean isRunning() {
        return proxy != null;
    }

    /** Takes the server down; connections are refused until {@link #restart()}. Stopping twice does nothing. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop", e);
        } finally {
            proxy = null;
        }
    }

    /** Brings the server back on the same port with the same buckets and objects. Restarting a running one stops it first. */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("this LocalS3 is closed");
        }
        stop();
        // the port was free a moment ago; retry briefly in case the OS has not released it yet
        proxy = startProxy(port, Duration.ofSeconds(5));
    }

    /** Stops the server. Does nothing on the {@link #shared()} server. */
    @Override
    public void close() {
        if (isShared) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stop();
        }
        client.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook runs anyway
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // the JVM is exiting
        }
    }

    private S3Proxy startProxy(int requestedPort, Duration bindRetry) {
        long deadline = System.nanoTime() + bindRetry.toNanos();
        while (true) {
            S3Proxy candidate = S3Proxy.builder()
                    .blobStore(blobStore)
                    .endpoint(URI.create("http://127.0.0.1:" + requestedPort))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test", "test")
                    .stopTimeout(0)
                    .build();
            try {
                candidate.start();
                awaitStarted(candidate);
                return candidate;
            } catch (Exception e) {
                stopIgnoringFailure(candidate);
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start on 127.0.0.1:" + requestedPort, e);
                }
                sleep(50);
            }
        }
    }

    private static void awaitStarted(S3Proxy candidate) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (!"STARTED".equals(candidate.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "s3proxy is " + candidate.getState() + " after " + STARTUP_TIMEOUT.toSeconds() + " s");
            }
            sleep(10);
        }
    }

    private static void stopIgnoringFailure(S3Proxy candidate) {
        try {
            candidate.stop();
        } catch (Exception ignored) {
            // it never started
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting s3proxy", e);
        }
    }
}
