package dev.spendgate.aws.ses;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.SesV2ClientBuilder;
import software.amazon.awssdk.services.sesv2.model.Destination;
import software.amazon.awssdk.services.sesv2.model.EmailContent;
import software.amazon.awssdk.services.sesv2.model.RawMessage;
import software.amazon.awssdk.services.sesv2.model.SendEmailRequest;

/** Sends report email through Amazon SES (v2 API) as a raw MIME message, attachments included. */
public final class SesMailTransport implements MailTransport {
    private final SesV2Client ses;

    public SesMailTransport(SesV2Client ses) {
        this.ses = Objects.requireNonNull(ses, "ses");
    }

    /** An SES v2 client with the same region, endpoint override and HTTP client as the other Spendgate clients. */
    public static SesV2Client client(AwsClients aws) {
        return client(aws, null);
    }

    /** As {@link #client(AwsClients)}, with explicit credentials (null: the SDK's default chain). */
    public static SesV2Client client(AwsClients aws, AwsCredentialsProvider credentials) {
        SesV2ClientBuilder builder = SesV2Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                // SendEmail is not idempotent: a request SES took whose answer was lost, sent again, is a second
                // email. Only what never reached SES (no connection) or was refused for throttling is sent again.
                .overrideConfiguration(o -> o.retryStrategy(AwsClients.retriesOnlyWhatWasNotApplied()));
        aws.region().ifPresent(builder::region);
        aws.endpointOverride().ifPresent(builder::endpointOverride);
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder.build();
    }

    @Override
    public Delivery send(String from, List<String> recipients, byte[] rawMime) {
        try {
            ses.sendEmail(SendEmailRequest.builder()
                    .fromEmailAddress(from)
                    .destination(Destination.builder().toAddresses(recipients).build())
                    .content(EmailContent.builder()
                            .raw(RawMessage.builder()
                                    .data(SdkBytes.fromByteArray(rawMime))
                                    .build())
                            .build())
                    .build());
            // SES answers for the request as a whole; a recipient's bounce comes later, as an SES event
            return Delivery.TO_ALL;
        } catch (SdkException e) {
            if (maybeSent(e)) {
                throw MailException.maybeSent(
                        "SES may have taken the report email: the request was sent, then "
                                + e.getClass().getSimpleName() + " instead of SES's answer",
                        e);
            }
            throw new MailException(
                    "SES did not accept the report email: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Whether SES may have taken the message despite {@code failure}: a server error (5xx), or the request sent and the
     * connection lost or timed out before the answer. Not when SES answered with a refusal (4xx: rejected, throttled,
     * not verified), nor when the request never reached it ({@link AwsClients#notApplied}: no connection), nor when
     * the client failed before any I/O (credentials, signing).
     */
    static boolean maybeSent(SdkException failure) {
        if (AwsClients.notApplied(failure)) {
            return false;
        }
        if (failure instanceof AwsServiceException service) {
            return service.statusCode() >= 500;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }
}
