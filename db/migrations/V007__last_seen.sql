-- PROTOCOL.md 7.1: when a user's last connection closed (epoch ms; 0 never seen), kept durably by relation's
-- presence tracker (Redis holds the newest value; this column survives a Redis restart).
ALTER TABLE profiles ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
