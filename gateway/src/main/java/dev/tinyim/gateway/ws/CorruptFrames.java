package dev.tinyim.gateway.ws;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * A frame the WebSocket decoder refuses as it reads it is answered with the close code the decoder names
 * (PROTOCOL.md section 2: a frame over 64 KiB closes with 1009), not with a dropped connection (1006).
 * <p>
 * A single frame over {@code max-frame-size} is refused by Netty's decoder before Vert.x sees a message. Vert.x
 * builds that decoder with {@code closeOnProtocolViolation(false)} and closes the channel itself right after it
 * reported the failure, in the same call; websockets-next hands the failure to {@link ChatSocket#onError} only
 * later, on the connection's context, when the channel is gone. So a handler in the channel's pipeline, just
 * before Vert.x's, writes the close frame while the channel is still open. It is one stateless instance for
 * every connection. (A message of several frames that together pass {@code max-message-size} is refused by
 * Vert.x's frame aggregator, which leaves the channel open: {@link ChatSocket#onError} closes that one.)
 */
@ChannelHandler.Sharable
final class CorruptFrames extends ChannelInboundHandlerAdapter {
    private static final CorruptFrames INSTANCE = new CorruptFrames();
    private static final String NAME = "tinyim-corrupt-frames";

    private CorruptFrames() {
    }

    /** Called for every upgrade request, before the upgrade: the handler stays in the connection's pipeline. */
    static void answerWithCloseFrame(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            ChannelHandlerContext vertx = base.channelHandlerContext();
            if (vertx.pipeline().get(NAME) == null) {
                vertx.pipeline().addBefore(vertx.name(), NAME, INSTANCE);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable failure) {
        if (failure instanceof CorruptedWebSocketFrameException corrupted && ctx.channel().isActive()) {
            WebSocketCloseStatus status = corrupted.closeStatus() == null
                    ? WebSocketCloseStatus.PROTOCOL_ERROR : corrupted.closeStatus();
            String reason = status.code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code() ? "frame too big" : status.reasonText();
            ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), reason));
        }
        ctx.fireExceptionCaught(failure);
    }
}
