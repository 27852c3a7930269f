package dev.spendgate.aws.ses;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
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
        SesV2ClientBuilder builder = SesV2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        aws.region().ifPresent(builder::region);
        aws.endpointOverride().ifPresent(builder::endpointOverride);
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder.build();
    }

    @Override
    public void send(String from, List<String> recipients, byte[] rawMime) {
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
        } catch (SdkException e) {
            throw new MailException(
                    "SES did not accept the report email: " + e.getClass().getSimpleName(), e);
        }
    }
}
