package dev.spendgate.aws.ses;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import java.util.ArrayList;
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

    /**
     * SES's limit of recipients a message, across To, CC and BCC (and the raw message's headers): a message naming more
     * is rejected whole. Larger lists go in groups of at most this many, as SES advises.
     */
    public static final int MAX_RECIPIENTS = 50;

    /**
     * Sends to every recipient, in groups of at most {@link #MAX_RECIPIENTS} (each group named alone in the message's
     * To: header). Fails as one send when the first group fails. When a later group fails, some recipients have the
     * email: the failure is {@link MailException#maybeSent()} (the run must not send it again) and names who has it
     * and who does not.
     */
    @Override
    public Delivery send(String from, List<String> recipients, byte[] rawMime) {
        if (recipients.size() <= MAX_RECIPIENTS) {
            sendGroup(from, recipients, rawMime, "");
            return Delivery.TO_ALL;
        }
        List<List<String>> groups = groups(recipients);
        List<String> took = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<String> group = groups.get(g);
            String which = " (group " + (g + 1) + " of " + groups.size() + ", " + group.size() + " recipients)";
            try {
                sendGroup(from, group, ToHeader.naming(rawMime, group), which);
            } catch (MailException e) {
                if (took.isEmpty()) {
                    throw e; // nobody has it yet: as a single send that failed
                }
                List<String> notSent = recipients.subList(took.size() + group.size(), recipients.size());
                throw MailException.maybeSent(
                        "SES took the report email for " + took.size() + " of " + recipients.size()
                                + " recipients (" + String.join(", ", took) + "), then failed for the others: "
                                + e.getMessage() + "; " + (e.maybeSent() ? "they may have it: " : "not sent to: ")
                                + String.join(", ", group)
                                + (notSent.isEmpty() ? "" : "; not sent to: " + String.join(", ", notSent))
                                + ". Forward the email to those who do not have it: sending it again would reach the "
                                + took.size() + " a second time",
                        e);
            }
            took.addAll(group);
        }
        return Delivery.TO_ALL;
    }

    /** {@code recipients} in order, in groups of at most {@link #MAX_RECIPIENTS}. */
    static List<List<String>> groups(List<String> recipients) {
        List<List<String>> groups = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i += MAX_RECIPIENTS) {
            groups.add(List.copyOf(recipients.subList(i, Math.min(recipients.size(), i + MAX_RECIPIENTS))));
        }
        return groups;
    }

    /** One SendEmail naming at most {@link #MAX_RECIPIENTS}; {@code which} says which group, in a failure. */
    private void sendGroup(String from, List<String> group, byte[] rawMime, String which) {
        try {
            ses.sendEmail(SendEmailRequest.builder()
                    .fromEmailAddress(from)
                    .destination(Destination.builder().toAddresses(group).build())
                    .content(EmailContent.builder()
                            .raw(RawMessage.builder()
                                    .data(SdkBytes.fromByteArray(rawMime))
                                    .build())
                            .build())
                    .build());
            // SES answers for the request as a whole; a recipient's bounce comes later, as an SES event
        } catch (SdkException e) {
            if (maybeSent(e)) {
                throw MailException.maybeSent(
                        "SES may have taken the report email" + which + ": the request was sent, then " + reason(e)
                                + " instead of SES's answer",
                        e);
            }
            throw new MailException("SES did not accept the report email" + which + ": " + reason(e), e);
        }
    }

    /** The failure's type and what SES said ("MessageRejectedException: Recipient count exceeds 50."). */
    static String reason(SdkException failure) {
        String said = failure instanceof AwsServiceException service && service.awsErrorDetails() != null
                ? service.awsErrorDetails().errorMessage()
                : failure.getMessage();
        return failure.getClass().getSimpleName() + (said == null || said.isBlank() ? "" : ": " + said);
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
