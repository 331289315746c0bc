-- TinyIM schema. Each table belongs to one service (see the comment above it); no service reads another's.
-- Plain SQL that runs unchanged on MySQL 8.0 and MariaDB 10.11.

-- auth ------------------------------------------------------------------------------------------
CREATE TABLE accounts (
  user_id       BIGINT       NOT NULL AUTO_INCREMENT,
  username      VARCHAR(32)  NOT NULL,
  username_key  VARCHAR(32)  NOT NULL COMMENT 'lower-case username: uniqueness is case-insensitive',
  password_hash VARCHAR(100) NOT NULL COMMENT 'bcrypt, salted',
  created_at    BIGINT       NOT NULL,
  PRIMARY KEY (user_id),
  UNIQUE KEY uk_accounts_username (username_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The one current session of each (user, device type); a new login replaces the row.
CREATE TABLE sessions (
  user_id     BIGINT      NOT NULL,
  device_type VARCHAR(16) NOT NULL,
  session_id  CHAR(36)    NOT NULL,
  created_at  BIGINT      NOT NULL,
  expires_at  BIGINT      NOT NULL,
  revoked     TINYINT     NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, device_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- relation --------------------------------------------------------------------------------------
CREATE TABLE profiles (
  user_id      BIGINT      NOT NULL,
  username     VARCHAR(32) NOT NULL,
  username_key VARCHAR(32) NOT NULL,
  nickname     VARCHAR(64) NOT NULL,
  created_at   BIGINT      NOT NULL,
  PRIMARY KEY (user_id),
  UNIQUE KEY uk_profiles_username (username_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE friend_requests (
  request_id  BIGINT       NOT NULL AUTO_INCREMENT,
  from_id     BIGINT       NOT NULL,
  to_id       BIGINT       NOT NULL,
  remark      VARCHAR(200) NOT NULL DEFAULT '',
  status      TINYINT      NOT NULL COMMENT '0 pending, 1 accepted, 2 rejected',
  pending_key VARCHAR(50)  NULL COMMENT '"from:to" while pending, NULL after: at most one pending per direction',
  created_at  BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL,
  PRIMARY KEY (request_id),
  UNIQUE KEY uk_friend_requests_pending (pending_key),
  KEY idx_friend_requests_to (to_id, status),
  KEY idx_friend_requests_from (from_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Two rows per friendship, one per direction, so "my friends" is one index range.
CREATE TABLE friendships (
  user_id   BIGINT NOT NULL,
  friend_id BIGINT NOT NULL,
  since     BIGINT NOT NULL,
  PRIMARY KEY (user_id, friend_id)
) ENGINE=InnoDB;

CREATE TABLE chat_groups (
  group_id     BIGINT      NOT NULL AUTO_INCREMENT,
  name         VARCHAR(64) NOT NULL,
  owner_id     BIGINT      NOT NULL,
  member_count INT         NOT NULL,
  created_at   BIGINT      NOT NULL,
  PRIMARY KEY (group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE group_members (
  group_id  BIGINT NOT NULL,
  user_id   BIGINT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, user_id),
  KEY idx_group_members_user (user_id)
) ENGINE=InnoDB;

-- Membership changes write their system message here in the same transaction; a drainer hands each
-- to chat (idempotent on the row id) and deletes it, so a crash in between loses nothing.
CREATE TABLE relation_outbox (
  id         BIGINT      NOT NULL AUTO_INCREMENT,
  group_id   BIGINT      NOT NULL,
  event      VARCHAR(32) NOT NULL,
  user_id    BIGINT      NOT NULL,
  member_ids TEXT        NOT NULL COMMENT 'comma-separated recipients: the members at the time of the event',
  created_at BIGINT      NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;

-- chat ------------------------------------------------------------------------------------------
CREATE TABLE messages (
  msg_id          BIGINT      NOT NULL AUTO_INCREMENT,
  sender_id       BIGINT      NOT NULL COMMENT '0 for system messages',
  client_msg_id   VARCHAR(64) NOT NULL COMMENT 'for system messages: the event id',
  conversation_id VARCHAR(64) NOT NULL,
  to_type         TINYINT     NOT NULL COMMENT '1 user, 2 group',
  to_id           BIGINT      NOT NULL,
  content_type    TINYINT     NOT NULL COMMENT '1 text, 2 system',
  body            TEXT        NOT NULL COMMENT 'the text, or the system event name',
  subject_id      BIGINT      NOT NULL DEFAULT 0 COMMENT 'the user a system event is about',
  sender_seq      BIGINT      NOT NULL COMMENT 'seq in the sender''s timeline, for idempotent resends',
  sent_at         BIGINT      NOT NULL,
  PRIMARY KEY (msg_id),
  UNIQUE KEY uk_messages_client (sender_id, client_msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-user timeline (write fan-out): one row per recipient per message.
CREATE TABLE timeline (
  user_id         BIGINT      NOT NULL,
  seq             BIGINT      NOT NULL,
  msg_id          BIGINT      NOT NULL,
  conversation_id VARCHAR(64) NOT NULL,
  sender_id       BIGINT      NOT NULL,
  PRIMARY KEY (user_id, seq),
  KEY idx_timeline_conversation (user_id, conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The seq allocator: the row lock on a user's counter serialises that user's timeline writes.
CREATE TABLE user_seq (
  user_id BIGINT NOT NULL,
  max_seq BIGINT NOT NULL,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB;

CREATE TABLE device_acks (
  user_id     BIGINT      NOT NULL,
  device_type VARCHAR(16) NOT NULL,
  acked_seq   BIGINT      NOT NULL,
  PRIMARY KEY (user_id, device_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-user conversation state, updated in the same transaction as the timeline rows.
CREATE TABLE conversations (
  user_id         BIGINT      NOT NULL,
  conversation_id VARCHAR(64) NOT NULL,
  peer_type       TINYINT     NOT NULL,
  peer_id         BIGINT      NOT NULL,
  last_seq        BIGINT      NOT NULL,
  last_msg_id     BIGINT      NOT NULL,
  read_seq        BIGINT      NOT NULL DEFAULT 0,
  unread          INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, conversation_id),
  KEY idx_conversations_recent (user_id, last_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
