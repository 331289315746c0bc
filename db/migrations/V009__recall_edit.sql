-- PROTOCOL.md 7.4 recall and edit.
-- messages: a recalled message reads as {"type":"recalled"}; an edited one has its new text in body and editedAt.
-- Recall and edit entries are messages of their own (content_type 3 recall, 4 edit; subject_id the message).
ALTER TABLE messages
  ADD COLUMN edited_at BIGINT  NOT NULL DEFAULT 0 COMMENT 'epoch ms of the last edit, 0 never edited',
  ADD COLUMN recalled  TINYINT NOT NULL DEFAULT 0 COMMENT '1 once its sender recalled it';

-- timeline: whether an entry counts toward unread (section 4 and 7.4: text and system entries that are not
-- recalled), and every timeline holding a message, for the recall or edit that appends to all of them.
ALTER TABLE timeline
  ADD COLUMN counted TINYINT NOT NULL DEFAULT 1 COMMENT '0: a recall or edit entry, or a recalled message',
  ADD KEY idx_timeline_msg (msg_id);
