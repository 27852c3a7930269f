package dev.spendgate.report.email;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP client, waiting RFC 5321's 10 minutes (4.5.3.2.6) for the reply to the end of the message instead
 * of the session's short read timeout, and recording how far a send got: whether the whole message left
 * ({@link #messageLeft()}) and whether the server took it ({@link #accepted()}). A failure between the two may have
 * delivered the message (RFC 1047), so the caller must not send it again.
 *
 * <p>Its session must carry {@link #sockets(SSLSocketFactory)} as {@code mail.smtp.socketFactory} and its {@link
 * KeptSocket#tls()} as {@code mail.smtp.ssl.socketFactory}, so the reply wait can be set on the
 * connection's socket.
 */
final class FinalReplySmtpTransport extends SMTPTransport {
    private final KeptSocket sockets;
    private final Duration endOfDataReply;
    private boolean finishing;
    private boolean messageLeft;
    private boolean accepted;

    private FinalReplySmtpTransport(Session session, KeptSocket sockets, Duration endOfDataReply) {
        super(session, new URLName("smtp", null, -1, null, null, null));
        this.sockets = sockets;
        this.endOfDataReply = endOfDataReply;
    }

    /** A transport for {@code session}, whose properties must hold {@link #sockets(SSLSocketFactory)} (see the class comment). */
    static FinalReplySmtpTransport create(Session session, KeptSocket sockets, Duration endOfDataReply) {
        return new FinalReplySmtpTransport(session, sockets, endOfDataReply);
    }

    /** The socket factory the session is to use, TLS made by {@code tls}; it keeps the one socket it makes. */
    static KeptSocket sockets(SSLSocketFactory tls) {
        return new KeptSocket(tls);
    }

    /** The whole message, with its terminating {@code .}, was handed to the connection. */
    synchronized boolean messageLeft() {
        return messageLeft;
    }

    /** The server answered the end of the message with 250: it owns the delivery now. */
    synchronized boolean accepted() {
        return accepted;
    }

    /**
     * Whether {@code failure}, thrown by a send that got past {@link #messageLeft()} but not to {@link #accepted()}, is
     * the server's refusal (a 4xx or 5xx reply to the end of the message) rather than a lost or silent connection.
     */
    static boolean refusedByServer(MessagingException failure) {
        return failure instanceof SMTPSendFailedException f && f.getReturnCode() >= 400 && f.getReturnCode() < 600;
    }

    @Override
    protected synchronized void finishData() throws IOException, MessagingException {
        Socket socket = sockets.socket;
        int before = socket.getSoTimeout();
        socket.setSoTimeout(Math.toIntExact(endOfDataReply.toMillis()));
        finishing = true;
        try {
            super.finishData();
        } finally {
            finishing = false;
            if (!socket.isClosed()) {
                socket.setSoTimeout(before);
            }
        }
        accepted = true;
    }

    @Override
    protected synchronized void sendCommand(String cmd) throws MessagingException {
        super.sendCommand(cmd); // written and flushed when it returns
        if (finishing && ".".equals(cmd)) {
            messageLeft = true;
        }
    }

    /**
     * Makes the connection's plain socket and keeps the last one made, plain or TLS. The session takes it as {@code
     * mail.smtp.socketFactory} and {@link #tls()} as {@code mail.smtp.ssl.socketFactory}: Angus Mail makes a plain
     * connection with the first (or, for implicit TLS, a plain socket of its own) and layers TLS over it with the
     * second, right after the connect for implicit TLS and once the server agreed for STARTTLS.
     */
    static final class KeptSocket extends SocketFactory {
        private final SSLSocketFactory tlsLayer;
        private volatile Socket socket;

        private KeptSocket(SSLSocketFactory tlsLayer) {
            this.tlsLayer = tlsLayer;
        }

        private Socket kept(Socket s) {
            socket = s;
            return s;
        }

        /** Layers TLS over a connected socket and keeps the result as the connection's socket. */
        SSLSocketFactory tls() {
            return new SSLSocketFactory() {
                @Override
                public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                    return kept(tlsLayer.createSocket(s, host, port, autoClose));
                }

                @Override
                public String[] getDefaultCipherSuites() {
                    return tlsLayer.getDefaultCipherSuites();
                }

                @Override
                public String[] getSupportedCipherSuites() {
                    return tlsLayer.getSupportedCipherSuites();
                }

                @Override
                public Socket createSocket(String host, int port) throws IOException {
                    throw new IOException("TLS is layered over a connected socket only");
                }

                @Override
                public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
                        throws IOException {
                    throw new IOException("TLS is layered over a connected socket only");
                }

                @Override
                public Socket createSocket(InetAddress host, int port) throws IOException {
                    throw new IOException("TLS is layered over a connected socket only");
                }

                @Override
                public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                        throws IOException {
                    throw new IOException("TLS is layered over a connected socket only");
                }
            };
        }

        @Override
        public Socket createSocket() {
            return kept(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket s = createSocket();
            s.bind(new java.net.InetSocketAddress(localHost, localPort));
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            Socket s = createSocket();
            s.bind(new java.net.InetSocketAddress(localAddress, localPort));
            s.connect(new java.net.InetSocketAddress(address, port));
            return s;
        }
    }
}
