//! Back-office accounts: `debiteurportaal staff add`, and the demo's staff user.
//!
//! Only the argon2id hash of a password is stored. A password is typed (or piped) on one
//! line, or generated: 32 random bytes, printed once.

use anyhow::{Context, bail};
use chrono::Utc;
use store::{StaffRole, Store, StoreError};

/// The demo's staff user (only with `--demo`; never use it in production).
pub const DEMO_USERNAME: &str = "demo-staff";
/// The demo staff user's fixed password, printed with the demo logins.
pub const DEMO_PASSWORD: &str = "demo-staff-password";
/// Shorter passwords are refused.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_USERNAME_CHARS: usize = 64;

/// A username as stored: lowercase letters, digits, `.`, `_` and `-`, 2 to 64 characters,
/// starting with a letter or digit. Sign-in lowercases what is typed, so case never matters.
pub fn check_username(input: &str) -> anyhow::Result<String> {
    let name = input.trim().to_lowercase();
    let len = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if !(2..=MAX_USERNAME_CHARS).contains(&len) || !allowed || !starts_well {
        bail!(
            "invalid username {input:?}: use 2 to {MAX_USERNAME_CHARS} lowercase letters, digits, \
             '.', '_' or '-', starting with a letter or digit"
        );
    }
    Ok(name)
}

/// The password from one line of input (the line ending is not part of it).
pub fn password_from_line(line: &str) -> anyhow::Result<String> {
    let password = line.strip_suffix('\n').unwrap_or(line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        bail!(
            "the password is too short ({len} characters): use at least {MIN_PASSWORD_CHARS}, \
             or --generate to have one made"
        );
    }
    if len > MAX_PASSWORD_CHARS {
        bail!("the password is too long: use at most {MAX_PASSWORD_CHARS} characters");
    }
    Ok(password.to_owned())
}

/// A strong random password: 256 bits, URL-safe base64 (43 characters).
pub fn generate_password() -> String {
    auth::Token::generate().expose().to_owned()
}

/// Stores a new staff user with the hash of `password`; a taken username is an error.
pub async fn add_user(
    store: &Store,
    hasher: &auth::SecretHasher,
    username: &str,
    role: StaffRole,
    password: &str,
) -> anyhow::Result<()> {
    let username = check_username(username)?;
    let password = password_from_line(password)?;
    let hash = hasher.hash(&password).context("hash the password")?;
    match store
        .create_staff_user(&username, &hash, role, Utc::now())
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(store::Conflict::StaffUsernameTaken)) => {
            bail!("the username {username:?} is already taken; choose another")
        }
        Err(e) => Err(e).context("store the staff user"),
    }
}

/// Creates the demo staff user once; later calls leave it as it is. Returns whether it was
/// created now.
pub async fn seed_demo_staff(store: &Store, hasher: &auth::SecretHasher) -> anyhow::Result<bool> {
    if store.staff_user(DEMO_USERNAME).await?.is_some() {
        return Ok(false);
    }
    match add_user(
        store,
        hasher,
        DEMO_USERNAME,
        StaffRole::Agent,
        DEMO_PASSWORD,
    )
    .await
    {
        Ok(()) => Ok(true),
        // Another process seeded it in the meantime.
        Err(_) if store.staff_user(DEMO_USERNAME).await?.is_some() => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_and_lowercase() {
        assert_eq!(check_username(" Alice.B ").unwrap(), "alice.b");
        assert!(check_username("a").is_err());
        assert!(check_username("-alice").is_err());
        assert!(check_username("al ice").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords_need_twelve_characters_and_lose_only_the_line_ending() {
        let short = password_from_line("elevenchars\n").unwrap_err().to_string();
        assert!(short.contains("at least 12"), "{short}");
        assert_eq!(
            password_from_line(" twelve chars \r\n").unwrap(),
            " twelve chars "
        );
        assert_eq!(generate_password().len(), 43);
        assert_ne!(generate_password(), generate_password());
    }
}
