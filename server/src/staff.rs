//! Back-office accounts: `debiteurportaal staff add`, and the demo's staff user.
//!
//! Only the argon2id hash of a password is stored. A password is typed (or piped) on one
//! line, or generated: 32 random bytes, printed once.

use anyhow::{Context, bail};
use chrono::Utc;
use store::{StaffRole, Store, StoreError};

/// The demo's staff user, an agent (only with `--demo`; removed at any start without it).
pub const DEMO_USERNAME: &str = "demo-staff";
/// The demo staff user's fixed password, printed with the demo logins.
pub const DEMO_PASSWORD: &str = "demo-staff-password";
/// The demo's administrator (write-offs, payments from proof, identity corrections).
pub const DEMO_ADMIN_USERNAME: &str = "demo-admin";
/// The demo administrator's fixed password.
pub const DEMO_ADMIN_PASSWORD: &str = "demo-admin-password";

/// The demo accounts: username, password, role and the authenticator key (base32) they are
/// enrolled with, printed with the demo logins. Public: demo only.
pub const DEMO_ACCOUNTS: [(&str, &str, StaffRole, &str); 2] = [
    (
        DEMO_USERNAME,
        DEMO_PASSWORD,
        StaffRole::Agent,
        "DEMOSTAFFDEMOSTAFFDEMOSTAFFDEMOS",
    ),
    (
        DEMO_ADMIN_USERNAME,
        DEMO_ADMIN_PASSWORD,
        StaffRole::Admin,
        "DEMOADMINDEMOADMINDEMOADMINDEMOA",
    ),
];
/// The demo's debt counsellor (municipal debt help, so it can also ask staff for access
/// without a code): username, password and authenticator key. Demo only, like the staff.
pub const DEMO_COUNSELLOR: (&str, &str, &str) = (
    "demo-counsellor",
    "demo-counsellor-password",
    "DEMOCOUNSELLORDEMOCOUNSELLORDEMO",
);

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

/// Who a counsellor account is for.
#[derive(Debug, Clone)]
pub struct CounsellorInput {
    pub name: String,
    pub organisation: String,
    pub email: String,
    /// Set for municipal debt help (they may ask staff for access without a code).
    pub municipality: Option<String>,
}

/// Stores a new counsellor account with the hash of `password`; a taken username, an empty
/// name or organisation, or a malformed e-mail address is an error.
pub async fn add_counsellor(
    store: &Store,
    hasher: &auth::SecretHasher,
    username: &str,
    password: &str,
    who: CounsellorInput,
) -> anyhow::Result<()> {
    let username = check_username(username)?;
    let password = password_from_line(password)?;
    let name = who.name.trim();
    let organisation = who.organisation.trim();
    if name.is_empty() || organisation.is_empty() {
        bail!("a counsellor needs a name and an organisation");
    }
    let email: domain::Email = who
        .email
        .parse()
        .map_err(|_| anyhow::anyhow!("{:?} is not an e-mail address", who.email))?;
    let new = store::NewCounsellor {
        username: username.clone(),
        password_hash: hasher.hash(&password).context("hash the password")?,
        name: name.to_owned(),
        organisation: organisation.to_owned(),
        email: email.to_string(),
        municipality: who
            .municipality
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty()),
    };
    match store.create_counsellor(&new, Utc::now()).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(store::Conflict::StaffUsernameTaken)) => {
            bail!("the username {username:?} is already taken; choose another")
        }
        Err(e) => Err(e).context("store the counsellor"),
    }
}

/// Creates the demo staff accounts once; later calls leave them as they are.
pub async fn seed_demo_staff(store: &Store, hasher: &auth::SecretHasher) -> anyhow::Result<()> {
    for (username, password, role, totp) in DEMO_ACCOUNTS {
        if store.staff_user(username).await?.is_some() {
            continue;
        }
        match add_user(store, hasher, username, role, password).await {
            Ok(()) => store.enrol_staff_totp(username, totp, 0, &[]).await?,
            // Another process seeded it in the meantime.
            Err(_) if store.staff_user(username).await?.is_some() => {}
            Err(e) => return Err(e),
        }
    }
    let (username, password, totp) = DEMO_COUNSELLOR;
    if store.staff_user(username).await?.is_none() {
        let who = CounsellorInput {
            name: "Demi Demo".to_owned(),
            organisation: "Schuldhulp Demodam".to_owned(),
            email: "schuldhulp@demodam.example".to_owned(),
            municipality: Some("Demodam".to_owned()),
        };
        match add_counsellor(store, hasher, username, password, who).await {
            Ok(()) => store.enrol_staff_totp(username, totp, 0, &[]).await?,
            Err(_) if store.staff_user(username).await?.is_some() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes the demo staff accounts (and their sessions) if a demo run left them: their
/// passwords are public. Called at every start without `--demo`; returns how many went.
pub async fn remove_demo_staff(store: &Store) -> Result<usize, StoreError> {
    let mut removed = 0;
    let accounts = DEMO_ACCOUNTS.iter().map(|a| a.0).chain([DEMO_COUNSELLOR.0]);
    for username in accounts {
        if store.delete_staff_user(username).await? {
            tracing::warn!(username, "removed a demo staff account left by a demo run");
            removed += 1;
        }
    }
    Ok(removed)
}

/// Demo mode is for this machine only: its staff passwords are printed and public, so it
/// is refused when the portal is reachable under any other address.
pub fn check_demo_allowed(public_url: &str) -> anyhow::Result<()> {
    let url = url::Url::parse(public_url).context("the public URL")?;
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !local {
        bail!(
            "--demo is only for local use (its staff passwords are public), but the public URL \
             is {public_url}; drop --demo, or run on localhost"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_mode_is_refused_off_this_machine() {
        for local in [
            "http://127.0.0.1:3000",
            "http://localhost:8080",
            "http://[::1]:3000",
        ] {
            assert!(check_demo_allowed(local).is_ok(), "{local}");
        }
        for public in [
            "https://portaal.example.nl",
            "http://10.0.0.5:3000",
            "http://localhost.evil.example",
            "http://0.0.0.0:3000",
        ] {
            assert!(check_demo_allowed(public).is_err(), "{public}");
        }
    }

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
