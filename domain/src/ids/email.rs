//! E-mail addresses, checked pragmatically.

use std::fmt;
use std::str::FromStr;

use super::serde_as_string;

/// An e-mail address that looks deliverable: `local@domain.tld`, with the
/// domain lowercased (domains are case-insensitive; local parts, formally,
/// are not, so they are kept as typed).
///
/// Pragmatic, not RFC 5322: no quoted local parts, no IP-literal domains, no
/// non-ASCII (an internationalised domain must be given in its `xn--` form).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email {
    address: String,
    at: usize,
}

/// Why text is not an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing given.
    #[error("no e-mail address given")]
    Empty,
    /// Longer than 254 characters.
    #[error("the e-mail address is too long")]
    TooLong,
    /// No `@`.
    #[error("an e-mail address contains an @")]
    MissingAt,
    /// More than one `@`.
    #[error("an e-mail address contains only one @")]
    MultipleAt,
    /// Nothing before the `@`, more than 64 characters there, a character
    /// not allowed there, or dots at either end or doubled.
    #[error("the part before the @ is not valid")]
    InvalidLocalPart,
    /// The part after the `@` is not a domain name with a top-level domain.
    #[error("the part after the @ is not a valid domain")]
    InvalidDomain,
}

impl Email {
    /// The whole address, domain lowercased.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// The part after the `@`, lowercase.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    // An all-digit top-level domain would be an IP address, not a domain.
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
    domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

impl FromStr for Email {
    type Err = EmailError;

    /// Trims surrounding whitespace and lowercases the domain.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.split_once('@').ok_or(EmailError::MissingAt)?;
        if domain.contains('@') {
            return Err(EmailError::MultipleAt);
        }
        if !valid_local_part(local) {
            return Err(EmailError::InvalidLocalPart);
        }
        let domain = domain.to_ascii_lowercase();
        if !valid_domain(&domain) {
            return Err(EmailError::InvalidDomain);
        }
        Ok(Email {
            address: format!("{local}@{domain}"),
            at: local.len(),
        })
    }
}

serde_as_string!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        let cases = [
            ("jan@example.nl", "jan@example.nl"),
            ("  Jan.Jansen@Example.NL ", "Jan.Jansen@example.nl"),
            (
                "j+incasso@mail.example.co.uk",
                "j+incasso@mail.example.co.uk",
            ),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("a@b-c.nl", "a@b-c.nl"),
            ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
            ("1234@123.nl", "1234@123.nl"),
        ];
        for (text, canonical) in cases {
            let email: Email = text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(email.as_str(), canonical);
            assert_eq!(email.to_string(), canonical);
        }
    }

    #[test]
    fn splits_into_parts() {
        let email: Email = "Jan.Jansen@Example.NL".parse().unwrap();
        assert_eq!(email.local_part(), "Jan.Jansen");
        assert_eq!(email.domain(), "example.nl");
    }

    #[test]
    fn refusals() {
        use EmailError::*;
        let long_local = format!("{}@example.nl", "a".repeat(65));
        let long_total = format!("a@{}.nl", "b".repeat(260));
        let long_label = format!("a@{}.nl", "b".repeat(64));
        let cases: Vec<(&str, EmailError)> = vec![
            ("", Empty),
            ("   ", Empty),
            ("jan.example.nl", MissingAt),
            ("jan@@example.nl", MultipleAt),
            ("jan@example@nl", MultipleAt),
            ("@example.nl", InvalidLocalPart),
            (".jan@example.nl", InvalidLocalPart),
            ("jan.@example.nl", InvalidLocalPart),
            ("ja..n@example.nl", InvalidLocalPart),
            ("jan jansen@example.nl", InvalidLocalPart),
            ("\"jan\"@example.nl", InvalidLocalPart),
            ("jän@example.nl", InvalidLocalPart),
            (&long_local, InvalidLocalPart),
            ("jan@", InvalidDomain),
            ("jan@localhost", InvalidDomain),
            ("jan@example", InvalidDomain),
            ("jan@example.", InvalidDomain),
            ("jan@.example.nl", InvalidDomain),
            ("jan@exa..mple.nl", InvalidDomain),
            ("jan@-example.nl", InvalidDomain),
            ("jan@example-.nl", InvalidDomain),
            ("jan@exam_ple.nl", InvalidDomain),
            ("jan@192.168.1.1", InvalidDomain),
            ("jan@example.n", InvalidDomain),
            ("jan@bücher.de", InvalidDomain),
            ("jan@[10.0.0.1]", InvalidDomain),
            (&long_label, InvalidDomain),
            (&long_total, TooLong),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Email>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let email: Email = serde_json::from_str("\"Jan@Example.NL\"").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"Jan@example.nl\"");
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
