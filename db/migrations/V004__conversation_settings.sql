-- PROTOCOL.md 7.7: a user's muted / pinned settings per conversation. Apart from `conversations` because a
-- conversation may be pinned or muted before its first message (that row is written by the send transaction).
CREATE TABLE conversation_settings (
  user_id         BIGINT      NOT NULL,
  conversation_id VARCHAR(64) NOT NULL,
  muted           TINYINT(1)  NOT NULL DEFAULT 0,
  pinned          TINYINT(1)  NOT NULL DEFAULT 0,
  updated_at      BIGINT      NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
