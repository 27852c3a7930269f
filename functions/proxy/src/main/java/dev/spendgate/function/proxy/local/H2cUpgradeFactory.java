package dev.spendgate.function.proxy.local;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * HTTP/2 cleartext that declines {@code Upgrade: h2c} on a request with a chunked body, as Jetty already declines it for
 * one with a {@code Content-Length}: the request is then served over HTTP/1.1 with its body. Jetty would answer 101
 * and hand the request to HTTP/2 without the body still to come ({@code curl --http2 -T -} on an {@code http://} URL).
 */
final class H2cUpgradeFactory extends HTTP2CServerConnectionFactory {
    H2cUpgradeFactory(HttpConfiguration config) {
        super(config);
    }

    @Override
    public Connection upgradeConnection(
            Connector connector, EndPoint endPoint, MetaData.Request request, HttpFields.Mutable response)
            throws HttpException.RuntimeException {
        if (request.getHttpFields().contains(HttpHeader.TRANSFER_ENCODING)) {
            return null; // no upgrade: HTTP/1.1 reads the body and answers
        }
        return super.upgradeConnection(connector, endPoint, request, response);
    }
}
