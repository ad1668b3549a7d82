ALTER TABLE admin_users DROP COLUMN tokens_valid_after;
