-- Tokens that die with a password change (issue 21): a token issued (iat) before this moment is
-- refused. It moves forward, to the next whole second, when the password changes, when the user
-- is disabled or re-enabled, and on sign-out-everywhere. The epoch: no token is refused yet.
ALTER TABLE admin_users
    ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT 'epoch';
