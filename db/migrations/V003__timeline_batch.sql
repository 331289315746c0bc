-- The send transaction for a batch of messages (group commit; docs/timeline.md), in two calls on one
-- connection instead of ten statements: chat computes the seqs in between. Every row set arrives as one JSON
-- parameter (JSON_TABLE), so the statements are the same whatever the batch size. Replaces append_direct: 1:1
-- and group sends, and group system messages, all go through these two.

DROP PROCEDURE IF EXISTS append_direct;

DELIMITER //

-- Opens the transaction, locks the seq counter of every user of the batch (p_users: a JSON array of user ids,
-- ascending, so concurrent batches lock in the same order), and returns two result sets: the counters
-- (user_id, max_seq; a missing row means a user without a counter yet) and the messages already stored under
-- the batch's keys (p_keys: [[sender_id, client_msg_id], ...]), found under the senders' locks.
-- The transaction stays open for timeline_write, or the caller's ROLLBACK.
CREATE PROCEDURE timeline_lock(IN p_users LONGTEXT, IN p_keys LONGTEXT)
    MODIFIES SQL DATA
BEGIN
  START TRANSACTION;
  SELECT STRAIGHT_JOIN s.user_id, s.max_seq
    FROM JSON_TABLE(p_users, '$[*]' COLUMNS (u BIGINT PATH '$')) j
    JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u
    FOR UPDATE;
  SELECT STRAIGHT_JOIN m.sender_id, m.client_msg_id, m.msg_id, m.sender_seq, m.sent_at
    FROM JSON_TABLE(p_keys, '$[*]' COLUMNS (s BIGINT PATH '$[0]',
                                             c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) j
    JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c;
END//

-- Writes the new messages of the batch in the transaction timeline_lock opened, and commits:
--   p_messages      [[sender_id, client_msg_id, conversation_id, to_type, to_id, content_type, body, subject_id,
--                     sender_seq, sent_at], ...]
--   p_entries       [[user_id, seq, sender_id, client_msg_id], ...]            one per recipient per message
--   p_conversations [[user_id, conversation_id, peer_type, peer_id, last_seq, sender_id, client_msg_id, unread], ...]
--                   one per (user, conversation): the batch's last message there and how many count as unread
--   p_counters      [[user_id, max_seq], ...]
-- Returns the new messages' ids (sender_id, client_msg_id, msg_id). Any failure rolls back everything.
CREATE PROCEDURE timeline_write(IN p_messages LONGTEXT, IN p_entries LONGTEXT, IN p_conversations LONGTEXT,
                                IN p_counters LONGTEXT)
    MODIFIES SQL DATA
BEGIN
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;

  INSERT INTO messages (sender_id, client_msg_id, conversation_id, to_type, to_id, content_type, body, subject_id,
                        sender_seq, sent_at)
    SELECT j.s, j.c, j.conv, j.tt, j.ti, j.ct, j.body, j.subj, j.ss, j.at
      FROM JSON_TABLE(p_messages, '$[*]' COLUMNS (
             s BIGINT PATH '$[0]', c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]',
             conv VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[2]', tt TINYINT PATH '$[3]',
             ti BIGINT PATH '$[4]', ct TINYINT PATH '$[5]', body TEXT CHARACTER SET utf8mb4 PATH '$[6]',
             subj BIGINT PATH '$[7]', ss BIGINT PATH '$[8]', at BIGINT PATH '$[9]')) j;

  INSERT INTO timeline (user_id, seq, msg_id, conversation_id, sender_id)
    SELECT STRAIGHT_JOIN j.u, j.q, m.msg_id, m.conversation_id, m.sender_id
      FROM JSON_TABLE(p_entries, '$[*]' COLUMNS (u BIGINT PATH '$[0]', q BIGINT PATH '$[1]', s BIGINT PATH '$[2]',
             c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[3]')) j
      JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c;

  INSERT INTO conversations (user_id, conversation_id, peer_type, peer_id, last_seq, last_msg_id, unread)
    SELECT STRAIGHT_JOIN j.u, j.conv, j.pt, j.pi, j.ls, m.msg_id, j.n
      FROM JSON_TABLE(p_conversations, '$[*]' COLUMNS (u BIGINT PATH '$[0]',
             conv VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]', pt TINYINT PATH '$[2]',
             pi BIGINT PATH '$[3]', ls BIGINT PATH '$[4]', s BIGINT PATH '$[5]',
             c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[6]', n INT PATH '$[7]')) j
      JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c
    ON DUPLICATE KEY UPDATE last_seq = VALUES(last_seq), last_msg_id = VALUES(last_msg_id),
                            unread = unread + VALUES(unread);

  INSERT INTO user_seq (user_id, max_seq)
    SELECT j.u, j.m FROM JSON_TABLE(p_counters, '$[*]' COLUMNS (u BIGINT PATH '$[0]', m BIGINT PATH '$[1]')) j
    ON DUPLICATE KEY UPDATE max_seq = VALUES(max_seq);

  COMMIT;

  SELECT STRAIGHT_JOIN m.sender_id, m.client_msg_id, m.msg_id
    FROM JSON_TABLE(p_messages, '$[*]' COLUMNS (s BIGINT PATH '$[0]',
           c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) j
    JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c;
END//

DELIMITER ;
