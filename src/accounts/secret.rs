//! Bearer secrets (session cookies, API tokens, CSRF tokens): 32 random bytes, shown once, stored as SHA-256.
//!
//! A hash is enough (no salt, no argon2): the secret has 256 bits of entropy, so nothing can be guessed from it.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret, hex (64 characters). API tokens get the `gm_` prefix so they are recognisable in a
/// leaked log or file.
pub fn new_secret(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

/// What the store keeps of a secret.
///
/// ```
/// use gridmap::accounts::secret::{new_secret, digest};
/// let s = new_secret("gm_");
/// assert!(s.starts_with("gm_") && s.len() == 67);
/// assert_eq!(digest(&s), digest(&s));
/// assert_ne!(digest(&s), digest(&new_secret("gm_")));
/// ```
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
