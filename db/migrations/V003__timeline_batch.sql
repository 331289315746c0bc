-- The send transaction for a batch of messages (group commit; docs/timeline.md) in one call: chat plans the
-- seqs from the counters it last wrote, and the procedure checks them under the counters' locks. Every row set
-- arrives as one JSON parameter (JSON_TABLE), so the statements are the same whatever the batch size.
-- Replaces append_direct: 1:1 and group sends, and group system messages, all go through timeline_append.

DROP PROCEDURE IF EXISTS append_direct;

DELIMITER //

--   p_counters      [[user_id, expected max_seq, new max_seq], ...]  every user the batch writes to, ascending
--   p_messages      [[sender_id, client_msg_id, conversation_id, to_type, to_id, content_type, body, subject_id,
--                     sender_seq, sent_at], ...]
--   p_entries       [[user_id, seq, sender_id, client_msg_id], ...]            one per recipient per message
--   p_conversations [[user_id, conversation_id, peer_type, peer_id, last_seq, sender_id, client_msg_id, unread], ...]
--                   one per (user, conversation): the batch's last message there and how many count as unread
-- Locks the counters in user-id order and moves each from its expected value to the new one. If any counter
-- is not at its expected value (another writer moved it, or it does not exist yet), or a message's
-- (sender_id, client_msg_id) is already stored (a resend), it rolls back and answers one row with status 1
-- (counters) or 2 (resend), for chat to read the truth and plan again. Otherwise it writes the messages, their
-- timeline rows and the conversation rows, commits, and answers status 0 with each new message's id.
CREATE PROCEDURE timeline_append(IN p_counters LONGTEXT, IN p_messages LONGTEXT, IN p_entries LONGTEXT,
                                 IN p_conversations LONGTEXT)
    MODIFIES SQL DATA
BEGIN
  DECLARE EXIT HANDLER FOR 1062 BEGIN
    ROLLBACK;
    SELECT 2 AS status, 0 AS sender_id, '' AS client_msg_id, 0 AS msg_id;
  END;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;

  START TRANSACTION;
  UPDATE JSON_TABLE(p_counters, '$[*]' COLUMNS (u BIGINT PATH '$[0]', o BIGINT PATH '$[1]', n BIGINT PATH '$[2]')) j
         STRAIGHT_JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u
     SET s.max_seq = j.n WHERE s.max_seq = j.o;
  IF ROW_COUNT() < JSON_LENGTH(p_counters) THEN
    ROLLBACK;
    SELECT 1 AS status, 0 AS sender_id, '' AS client_msg_id, 0 AS msg_id;
  ELSE
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
    COMMIT;

    SELECT STRAIGHT_JOIN 0 AS status, m.sender_id, m.client_msg_id, m.msg_id
      FROM JSON_TABLE(p_messages, '$[*]' COLUMNS (s BIGINT PATH '$[0]',
             c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) j
      JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c;
  END IF;
END//

DELIMITER ;
