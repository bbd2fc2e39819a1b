//! Sealed copies of the exact approved text.
//!
//! An approval promises "this exact text was reviewed and cleared", and the
//! record's `content_sha256` proves which text that was. When the draft held
//! identifiers, the record's readable `text` is the masked one (PHI is not
//! kept verbatim in the audit log). If the organisation must be able to
//! show the exact text later, the bot *seals* it: it encrypts the text to
//! the compliance officer's public key (an anonymous sealed box, libsodium's
//! `crypto_box_seal`: X25519, XSalsa20-Poly1305) and keeps only the sealed
//! bytes. The bot holds the public key only (`SAFETWEET_SEAL_KEY`), so
//! neither the bot host nor the database can read what it sealed; the
//! officer opens a sealed text with the secret key (`safetweet audit show
//! --unseal-key-file`, `audit verify --unseal-key-file` checks that each one
//! hashes to its record's `content_sha256`). Destroying the secret key
//! erases every sealed text for good, while the chain still verifies (the
//! hash covers the sealed bytes, not the plaintext).
//!
//! Formats: public key `stw-seal-pub:` + 64 hex digits, secret key
//! `stw-seal-secret:` + 64 hex digits (distinct prefixes, so the secret
//! cannot be configured on the bot by mistake), a sealed text
//! `sealed-x25519-xsalsa20poly1305:v1:` + lowercase hex of the box.

use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};

const PUBLIC_PREFIX: &str = "stw-seal-pub:";
const SECRET_PREFIX: &str = "stw-seal-secret:";
/// What every sealed text starts with.
pub const SEALED_PREFIX: &str = "sealed-x25519-xsalsa20poly1305:v1:";

/// The public key the bot seals exact texts to.
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey(PublicKey);

/// The compliance officer's secret key: opens sealed texts. Its `Debug`
/// never shows it.
#[derive(Clone)]
pub struct UnsealKey(SecretKey);

fn key_bytes(s: &str, prefix: &str, what: &str) -> Result<[u8; 32], String> {
    let s = s.trim();
    let Some(body) = s.strip_prefix(prefix) else {
        if s.starts_with(SECRET_PREFIX) && prefix == PUBLIC_PREFIX {
            return Err("this is the SECRET key; the bot takes the public key (stw-seal-pub:…), the compliance \
                        officer keeps the secret one"
                .into());
        }
        return Err(format!("expected {what} `{prefix}` followed by 64 hex digits (`safetweet audit seal-keygen`)"));
    };
    let bytes = hex::decode(body).map_err(|_| format!("{what}: not 64 hex digits after `{prefix}`"))?;
    bytes.try_into().map_err(|_| format!("{what}: not 64 hex digits after `{prefix}`"))
}

impl SealKey {
    pub fn parse(s: &str) -> Result<SealKey, String> {
        key_bytes(s, PUBLIC_PREFIX, "a public sealing key").map(|b| SealKey(PublicKey::from(b)))
    }

    /// `text` sealed to this key (a new random ephemeral key every time).
    pub fn seal(&self, text: &str) -> String {
        // Encrypting to a valid public key cannot fail.
        let sealed = self.0.seal(&mut OsRng, text.as_bytes()).expect("sealing to an X25519 key");
        format!("{SEALED_PREFIX}{}", hex::encode(sealed))
    }
}

impl std::fmt::Display for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", hex::encode(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({self})")
    }
}

impl UnsealKey {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> UnsealKey {
        UnsealKey(SecretKey::generate(&mut OsRng))
    }

    pub fn parse(s: &str) -> Result<UnsealKey, String> {
        key_bytes(s, SECRET_PREFIX, "a secret unsealing key").map(|b| UnsealKey(SecretKey::from(b)))
    }

    /// The public half, for the bot.
    pub fn public(&self) -> SealKey {
        SealKey(self.0.public_key())
    }

    /// The secret key as written to the officer's key file.
    pub fn to_secret_string(&self) -> String {
        format!("{SECRET_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }

    /// Opens a sealed text; an error when it is not one or was sealed to
    /// another key (or altered).
    pub fn unseal(&self, sealed: &str) -> Result<String, String> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or("not a sealed text")?;
        let bytes = hex::decode(body).map_err(|_| "not a sealed text (bad hex)")?;
        let plain = self.0.unseal(&bytes).map_err(|_| "does not open with this key (another key, or altered)")?;
        String::from_utf8(plain).map_err(|_| "opened, but is not UTF-8 text".to_string())
    }
}

impl std::fmt::Debug for UnsealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsealKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_text_opens_with_the_secret_key_only() {
        let officer = UnsealKey::generate();
        let bot = SealKey::parse(&officer.public().to_string()).unwrap();
        let sealed = bot.seal("Call Dana at 555-201-8834");
        assert!(sealed.starts_with(SEALED_PREFIX));
        // (the whole number, not "555": three digits turn up in random ciphertext by chance)
        assert!(!sealed.contains("555-201-8834") && !sealed.contains("Dana"), "{sealed}");
        assert_ne!(sealed, bot.seal("Call Dana at 555-201-8834"), "a fresh ephemeral key each time");
        let again = UnsealKey::parse(&officer.to_secret_string()).unwrap();
        assert_eq!(again.unseal(&sealed).unwrap(), "Call Dana at 555-201-8834");
        let other = UnsealKey::generate();
        assert!(other.unseal(&sealed).is_err());
        let mut altered = sealed.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        assert!(officer.unseal(&altered).is_err());
        assert!(officer.unseal("Call Dana").is_err());
    }

    #[test]
    fn keys_parse_strictly_and_never_show_the_secret() {
        let officer = UnsealKey::generate();
        let secret = officer.to_secret_string();
        let e = SealKey::parse(&secret).unwrap_err();
        assert!(e.contains("SECRET"), "{e}");
        assert!(SealKey::parse("stw-seal-pub:abcd").is_err());
        assert!(SealKey::parse(&format!("{PUBLIC_PREFIX}{}", "zz".repeat(32))).is_err());
        assert!(UnsealKey::parse(&officer.public().to_string()).is_err());
        assert!(!format!("{officer:?}").contains(&secret[SECRET_PREFIX.len()..]));
        assert_eq!(SealKey::parse(&format!("  {}\n", officer.public())).unwrap(), officer.public());
    }
}
