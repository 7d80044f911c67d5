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
