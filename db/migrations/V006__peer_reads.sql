-- PROTOCOL.md 7.3: in user_id's 1:1 conversation, the seq in user_id's own timeline of the newest message the
-- peer has read. Written in the peer's conv.read transaction, only ever raised.
CREATE TABLE peer_reads (
  user_id         BIGINT      NOT NULL,
  conversation_id VARCHAR(64) NOT NULL,
  peer_read_seq   BIGINT      NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
