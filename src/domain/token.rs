//! Subscriber tokens: 256 random bits, base64url in mails, SHA-256 in the database.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A token's length in base64url characters (32 bytes, no padding).
pub const TOKEN_LEN: usize = 43;

/// A new token: the text to put in a mail, and the hash to store.
pub fn new_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = URL_SAFE_NO_PAD.encode(bytes);
    let hash = Sha256::digest(text.as_bytes()).into();
    (text, hash)
}

/// The hash a token is stored under; `None` when the text cannot be a token at all.
pub fn token_hash(text: &str) -> Option<[u8; 32]> {
    let well_formed = text.len() == TOKEN_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && URL_SAFE_NO_PAD.decode(text).is_ok_and(|b| b.len() == 32);
    well_formed.then(|| Sha256::digest(text.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_characters_and_hash_to_what_is_stored() {
        let (text, hash) = new_token();
        assert_eq!(text.len(), TOKEN_LEN);
        assert_eq!(token_hash(&text), Some(hash));
        assert_ne!(new_token().0, text);
        assert_eq!(token_hash("short"), None);
        assert_eq!(token_hash(&"!".repeat(TOKEN_LEN)), None);
    }
}
