-- The 1:1 send in one round trip: the same transaction Timeline.append runs statement by statement for groups
-- (see docs/timeline.md), run by the server. Takes both users' counter locks (in user-id order, as the IN list
-- is a sorted key range), finds a resend under the sender's lock, and otherwise writes the message, both
-- timeline rows and both conversation rows, and commits. Returns one row:
-- msg_id, sender_seq, to_seq (0 for a resend), sent_at, duplicate (1 for a resend, which stored nothing).
DELIMITER //
CREATE PROCEDURE append_direct(IN p_sender BIGINT, IN p_to BIGINT, IN p_client_msg_id VARCHAR(64),
                               IN p_conversation_id VARCHAR(64), IN p_body TEXT, IN p_sent_at BIGINT)
    MODIFIES SQL DATA
BEGIN
  DECLARE v_found BOOLEAN DEFAULT TRUE;
  DECLARE v_msg_id BIGINT;
  DECLARE v_sender_seq BIGINT;
  DECLARE v_to_seq BIGINT DEFAULT 0;
  DECLARE v_sent_at BIGINT;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_found = FALSE;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;

  START TRANSACTION;
  UPDATE user_seq SET max_seq = max_seq + 1 WHERE user_id IN (p_sender, p_to);
  IF ROW_COUNT() < 2 THEN
    -- a first message of one of them: create the counters outside the send transaction, then take the locks
    ROLLBACK;
    INSERT IGNORE INTO user_seq (user_id, max_seq) VALUES (LEAST(p_sender, p_to), 0), (GREATEST(p_sender, p_to), 0);
    START TRANSACTION;
    UPDATE user_seq SET max_seq = max_seq + 1 WHERE user_id IN (p_sender, p_to);
  END IF;

  SELECT msg_id, sender_seq, sent_at INTO v_msg_id, v_sender_seq, v_sent_at
    FROM messages WHERE sender_id = p_sender AND client_msg_id = p_client_msg_id;
  IF v_found THEN
    ROLLBACK;
    SELECT v_msg_id AS msg_id, v_sender_seq AS sender_seq, 0 AS to_seq, v_sent_at AS sent_at, 1 AS duplicate;
  ELSE
    SELECT max_seq INTO v_sender_seq FROM user_seq WHERE user_id = p_sender;
    SELECT max_seq INTO v_to_seq FROM user_seq WHERE user_id = p_to;
    INSERT INTO messages (sender_id, client_msg_id, conversation_id, to_type, to_id, content_type, body, subject_id,
                          sender_seq, sent_at)
      VALUES (p_sender, p_client_msg_id, p_conversation_id, 1, p_to, 1, p_body, 0, v_sender_seq, p_sent_at);
    SET v_msg_id = LAST_INSERT_ID();
    INSERT INTO timeline (user_id, seq, msg_id, conversation_id, sender_id)
      VALUES (p_sender, v_sender_seq, v_msg_id, p_conversation_id, p_sender),
             (p_to, v_to_seq, v_msg_id, p_conversation_id, p_sender);
    INSERT INTO conversations (user_id, conversation_id, peer_type, peer_id, last_seq, last_msg_id, unread)
      VALUES (p_sender, p_conversation_id, 1, p_to, v_sender_seq, v_msg_id, 0),
             (p_to, p_conversation_id, 1, p_sender, v_to_seq, v_msg_id, 1)
      ON DUPLICATE KEY UPDATE last_seq = VALUES(last_seq), last_msg_id = VALUES(last_msg_id),
                              unread = unread + VALUES(unread);
    COMMIT;
    SELECT v_msg_id AS msg_id, v_sender_seq AS sender_seq, v_to_seq AS to_seq, p_sent_at AS sent_at, 0 AS duplicate;
  END IF;
END//
DELIMITER ;
