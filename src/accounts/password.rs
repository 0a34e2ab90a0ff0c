//! Passwords: argon2id hashes in PHC form, a minimum strength, and one-time passwords for new accounts.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;

/// Hashes `password` with argon2id (default parameters: 19 MiB, 2 passes) and a random salt.
///
/// ```
/// use gridmap::accounts::password::{hash, verify};
/// let h = hash("correct horse battery").unwrap();
/// assert!(h.starts_with("$argon2id$"));
/// assert!(verify("correct horse battery", &h) && !verify("Correct horse battery", &h));
/// ```
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC `hash`; a malformed hash matches nothing.
/// A hash of a random password nobody knows, made once: sign-ins for unknown usernames are verified against it,
/// so they take as long as a wrong password for a real account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash(&one_time()).expect("hashing a random password"));
    &DUMMY
}

pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Refuses passwords too short to resist guessing, or equal to the username.
///
/// ```
/// use gridmap::accounts::password::check_strength;
/// assert!(check_strength("short", "u").is_err());
/// assert!(check_strength("wangxiulan", "wangxiulan").is_err());
/// assert!(check_strength("潼关县南新社区2026", "wang").is_ok());
/// ```
pub fn check_strength(password: &str, username: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LEN {
        return Err(format!("密码至少 {MIN_LEN} 个字符 (password must have at least {MIN_LEN} characters)"));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err("密码不能与用户名相同 (password must differ from the username)".into());
    }
    Ok(())
}

/// A random one-time password: 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
///
/// ```
/// let p = gridmap::accounts::password::one_time();
/// assert_eq!(p.len(), 16);
/// assert_ne!(p, gridmap::accounts::password::one_time());
/// ```
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}
