package dev.tinyim.chat.timeline;

/**
 * One of a user's conversations as conv.list shows it (PROTOCOL.md 5.6, 7.3, 7.7): the last message (null for a
 * conversation that has settings but no message yet), the user's read position and unread count, mute and pin,
 * and for a 1:1 conversation how far the peer has read, in the user's seqs. (Here, beside the timeline entries it
 * carries, so that what encodes it for the wire depends on the timeline alone.)
 */
public record ConversationView(String conversationId, Peer peer, StoredMessage lastMessage, long readSeq, int unread,
                               boolean muted, boolean pinned, long peerReadSeq) {
}
