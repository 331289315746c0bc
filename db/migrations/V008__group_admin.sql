-- PROTOCOL.md 7.5: group_renamed carries the new name through the outbox to chat.
ALTER TABLE relation_outbox ADD COLUMN detail VARCHAR(255) NOT NULL DEFAULT '' COMMENT 'group_renamed: the new name';
