//! Who the agency is, where it keeps data and who receives it: shown in every page's footer
//! (so a debtor can check a letter is genuine) and on the personal-data page. Set in the
//! server's config; the defaults describe the demo agency.

use serde::{Deserialize, Serialize};

/// The collection agency running the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Agency {
    pub name: String,
    /// The agency's logo in the page header: a path on the portal (a file in the site root,
    /// e.g. `/logo.svg`) or an `https://` URL; none shows the name only.
    pub logo: Option<String>,
    /// Registration number in Justis' Wki register (Wet kwaliteit incassodienstverlening).
    pub wki_number: String,
    /// Chamber of Commerce number.
    pub kvk: String,
    pub street: String,
    pub postcode_city: String,
    pub phone: String,
    pub email: String,
    /// The one bank account (IBAN) the agency is paid on; shown on the letter-check page so
    /// a debtor can tell a request to pay elsewhere is not ours.
    pub bank_account: String,
    /// The internet domains the agency uses (the portal's, the e-mail's). Empty: the host of
    /// the portal's `public_url` and the e-mail address's domain (filled in at start).
    pub domains: Vec<String>,
    /// Where a debtor can take a complaint we did not resolve: the independent disputes body
    /// the agency is a member of (KIGID for NVI members; Kifid for agencies under it).
    pub complaints_body: String,
    /// Its web address.
    pub complaints_body_url: String,
    /// Where personal data is stored: an ISO country code (shown translated).
    pub storage_country: String,
    /// Years personal data is kept after the last claim letter.
    pub retention_years: u32,
    /// Who receives personal data, and why.
    pub recipients: Vec<Recipient>,
}

/// A party that receives personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub name: String,
    pub role: RecipientRole,
}

/// Why a recipient gets data (each has a translated explanation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientRole {
    /// Processes payments (needs to know who pays what).
    Payments,
    /// A collection partner working on the dossier.
    CollectionPartner,
    /// Authorities, only on an order signed by a prosecutor or judge.
    Authorities,
}

impl Agency {
    /// The domains to show: the configured ones, or else the portal's own host and the
    /// e-mail address's domain (`public_url` is the address debtors use).
    pub fn with_default_domains(mut self, public_url: &str) -> Agency {
        if self.domains.is_empty() {
            let host = public_url
                .split_once("://")
                .map_or(public_url, |(_, rest)| rest)
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default();
            // Without the port: `portaal.example.nl`, not `portaal.example.nl:443`.
            let host = match host.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                _ => host,
            }
            .to_owned();
            let mail = self
                .email
                .rsplit_once('@')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default();
            for domain in [host, mail] {
                if !domain.is_empty() && !self.domains.contains(&domain) {
                    self.domains.push(domain);
                }
            }
        }
        self
    }

    /// How long this agency keeps a dossier's data: `retention_years` after the last claim
    /// letter, within the law's bounds (`domain::RetentionPolicy`).
    pub fn retention_policy(&self) -> domain::RetentionPolicy {
        domain::RetentionPolicy {
            years_after_letter: self.retention_years,
            ..domain::RetentionPolicy::default()
        }
    }
}

impl Default for Agency {
    fn default() -> Self {
        let recipient = |name: &str, role| Recipient {
            name: name.to_owned(),
            role,
        };
        Agency {
            name: "Incasso Service Benelux B.V.".into(),
            logo: Some("/logo.svg".into()),
            wki_number: "WKI-DEMO-0001".into(),
            kvk: "00000000".into(),
            street: "Voorbeeldstraat 1".into(),
            postcode_city: "1234 AB Voorbeeldstad".into(),
            phone: "+31 20 000 0000".into(),
            email: "dossier@incasso-demo.nl".into(),
            // The well-known example IBAN from the Dutch banks' documentation: a demo value
            // that passes the checksum but belongs to nobody the portal pays.
            bank_account: "NL91 ABNA 0417 1643 00".into(),
            domains: Vec::new(),
            complaints_body:
                "KIGID (Klachteninstituut Gerechtsdeurwaarders en Incasso Dienstverleners)".into(),
            complaints_body_url: "https://www.kigid.nl".into(),
            storage_country: "NL".into(),
            retention_years: 7,
            recipients: vec![
                recipient("Pay.nl", RecipientRole::Payments),
                recipient("Rabobank", RecipientRole::Payments),
                recipient("DAS Incasso", RecipientRole::CollectionPartner),
                recipient("", RecipientRole::Authorities),
            ],
        }
    }
}
