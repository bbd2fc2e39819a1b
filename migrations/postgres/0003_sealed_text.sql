-- A sealed copy of the exact approved text (see src/audit/seal.rs): the text
-- encrypted to the compliance officer's public key, kept when the readable
-- `text` is masked. NULL for every other record. Part of the hashed encoding
-- only when present, so older records hash as before.
ALTER TABLE audit_records ADD COLUMN sealed_text TEXT;
