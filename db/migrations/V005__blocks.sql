-- PROTOCOL.md 7.6: user_id blocks blocked_id (one-way; friendships are kept).
CREATE TABLE blocks (
  user_id    BIGINT NOT NULL,
  blocked_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, blocked_id),
  KEY idx_blocks_blocked (blocked_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
