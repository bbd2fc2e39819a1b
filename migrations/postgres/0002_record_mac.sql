-- An HMAC-SHA256 of each record's hash under SAFETWEET_AUDIT_KEY (lowercase
-- hex), when the bot has the key: someone who can INSERT but does not hold
-- the key cannot add a record `verify` accepts. NULL for records written
-- without a key. Not part of the hashed encoding (the hash chain is unchanged).
ALTER TABLE audit_records ADD COLUMN mac TEXT;
