//! Demo dossiers for trying the portal: three fictional debtors with fixed, published secrets.
//!
//! **Demo only.** The secrets in [`DEMO_SECRETS`] are in the source code and the docs, so
//! anyone can sign in to these dossiers. Never seed them into a database with real debtors
//! that is reachable from the internet.
//!
//! The dossier numbers use the year 2000, which no real dossier has (the portal started
//! later), so they cannot collide with imported dossiers.

use auth::SecretHasher;
use booking::Books;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use domain::{CreditorId, DossierId, DossierNumber, Money, Secret};
use store::{
    DebtorDetails, DebtorKind, DossierImport, DossierStatus, InterestKind, NewClaimItem,
    NewCostLetter, NewCreditor, NewDossier, NewInstalment, NewPlan, PlanStatus, StoreError,
};

/// The demo secrets, in display form, for the consumer, the business, the consumer with
/// payments and the consumer with a payment plan. Published: demo only.
pub const DEMO_SECRETS: [&str; 4] = [
    "DEMA-ENER-GY26",
    "DEMB-BEDR-YF26",
    "DEMC-TERM-YN26",
    "DEMD-REGE-MX26",
];

/// How to sign in to one demo dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// The dossier number to type.
    pub dossier_number: DossierNumber,
    /// The secret to type, in display form (`DEMA-ENER-GY26`).
    pub secret: String,
    /// What the dossier shows, in a sentence.
    pub description: String,
}

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// Hashing a demo secret failed.
    #[error("hashing a demo secret: {0}")]
    Hash(#[from] auth::HashError),
    /// The hashing thread failed.
    #[error("hashing task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A demo payment could not be booked.
    #[error("booking: {0}")]
    Booking(#[from] booking::BookingError),
    /// `today` is too close to the ends of the calendar for the demo's dates.
    #[error("the demo dates are out of range")]
    DateOutOfRange,
    /// A demo constant is not valid (a bug).
    #[error("invalid demo data: {0}")]
    Invalid(String),
}

/// Creates the three demo dossiers, once, and returns how to sign in to them:
///
/// - a consumer with three overdue energy bills;
/// - a business (KvK and VAT number) owing a wholesaler, with commercial interest;
/// - a consumer who has paid part, two payments booked in the ledger and allocated costs →
///   interest → principal (art. 6:44 BW), owing a physiotherapist who cannot deduct VAT (so
///   VAT is added to the collection costs).
///
/// Dates are relative to `today` (invoices months overdue). A demo dossier that exists with a
/// secret is left exactly as it is, so calling this again returns the same logins and writes
/// nothing; one without a secret (an interrupted seeding) is completed, every step being keyed.
///
/// # Errors
///
/// Database and hashing failures; computation errors only for absurd `today` values.
pub async fn seed_demo(
    books: &Books,
    hasher: &SecretHasher,
    today: NaiveDate,
) -> Result<Vec<DemoLogin>, DemoError> {
    let store = books.store();
    let mut logins = Vec::new();
    for demo in demos() {
        let number: DossierNumber = demo
            .number
            .parse()
            .map_err(|e| DemoError::Invalid(format!("{}: {e}", demo.number)))?;
        let secret: Secret = demo
            .secret
            .parse()
            .map_err(|e| DemoError::Invalid(format!("secret of {}: {e}", demo.number)))?;
        let stored = store.dossier_by_number(demo.number).await?;
        match stored.and_then(|dossier| dossier.secret_hash) {
            Some(hash) => {
                if !verifies(hasher, &secret, hash).await? {
                    tracing::warn!(
                        dossier = demo.number,
                        "the demo secret no longer opens this demo dossier (rotated?)"
                    );
                }
            }
            None => create(books, hasher, today, &demo, number, &secret).await?,
        }
        logins.push(DemoLogin {
            dossier_number: number,
            secret: secret.to_string(),
            description: demo.description.to_owned(),
        });
    }
    Ok(logins)
}

async fn verifies(hasher: &SecretHasher, secret: &Secret, hash: String) -> Result<bool, DemoError> {
    let (hasher, secret) = (hasher.clone(), secret.clone());
    let verified =
        tokio::task::spawn_blocking(move || hasher.verify(secret.expose(), &hash)).await?;
    Ok(verified?)
}

/// One demo dossier.
struct Demo {
    number: &'static str,
    secret: &'static str,
    description: &'static str,
    creditor: NewCreditor,
    debtor: DebtorDetails,
    /// Invoice number, invoice date (days before today), payment term (days), amount (cents).
    invoices: &'static [(&'static str, u64, u64, i64)],
    /// The 14-day letter, days before today; it asks for every invoice.
    letter_days_ago: u64,
    /// The collection costs the letter announced (cents).
    letter_costs: Option<i64>,
    /// Payments: days before today, amount (cents).
    payments: &'static [(u64, i64)],
    /// A payment plan agreed this many days ago over this many months, its first instalment
    /// due that day; nothing paid on it.
    plan: Option<(u64, u32)>,
}

fn creditor(
    id: &str,
    name: &str,
    kvk: &str,
    deducts_vat: bool,
    interest: InterestKind,
) -> NewCreditor {
    NewCreditor {
        id: CreditorId::new(id),
        name: name.into(),
        kvk: Some(kvk.into()),
        contact_email: Some(format!("debiteuren@{id}.example")),
        contact_phone: None,
        can_deduct_vat: deducts_vat,
        interest_kind: interest,
    }
}

fn birth(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The demo data. Names, addresses, numbers and companies are made up; the e-mail domains are
/// reserved example domains; `NL123456782B01` is the usual example VAT number and `SPECI2014`
/// the number on the Dutch specimen passport.
fn demos() -> [Demo; 4] {
    [
        Demo {
            number: "ISB-2000-000001",
            secret: DEMO_SECRETS[0],
            description: "Consumer (Sanne de Vries) with three overdue energy bills from \
                          Polderstroom Energie; collection costs without VAT",
            creditor: creditor(
                "demo-polderstroom",
                "Polderstroom Energie B.V.",
                "90000001",
                true,
                InterestKind::Consumer,
            ),
            debtor: DebtorDetails {
                address: Some("Lindelaan 14".into()),
                postcode: Some("3581 GK".into()),
                city: Some("Utrecht".into()),
                phone: Some("+31612345678".into()),
                email: Some("sanne.devries@example.com".into()),
                customer_number: Some("PS-204817".into()),
                birth_date: birth(1988, 4, 12),
                ..DebtorDetails::named(DebtorKind::Person, "Sanne de Vries")
            },
            invoices: &[
                ("PS-2026-10431", 150, 14, 142_37),
                ("PS-2026-11872", 120, 14, 138_90),
                ("PS-2026-13105", 90, 14, 151_15),
            ],
            letter_days_ago: 45,
            // 15% of €432.42, no VAT.
            letter_costs: Some(6_486),
            payments: &[],
            plan: None,
        },
        Demo {
            number: "ISB-2000-000002",
            secret: DEMO_SECRETS[1],
            description: "Business (Bakkerij De Zoete Korrel V.O.F., KvK and VAT number) owing \
                          wholesaler Van Dijk two invoices; commercial interest",
            creditor: creditor(
                "demo-vandijk",
                "Groothandel Van Dijk & Zn. B.V.",
                "90000002",
                true,
                InterestKind::Commercial,
            ),
            debtor: DebtorDetails {
                address: Some("Molenweg 3".into()),
                postcode: Some("7411 AB".into()),
                city: Some("Deventer".into()),
                phone: Some("+31570612345".into()),
                email: Some("administratie@dezoetekorrel.example".into()),
                customer_number: Some("VD-88213".into()),
                kvk_number: Some("12345678".into()),
                vat_number: Some("NL123456782B01".into()),
                ..DebtorDetails::named(DebtorKind::Business, "Bakkerij De Zoete Korrel V.O.F.")
            },
            invoices: &[
                ("VD/2026/0412", 130, 30, 2_450_00),
                ("VD/2026/0587", 100, 30, 1_180_50),
            ],
            letter_days_ago: 60,
            // A business owes the costs without a letter (art. 6:96 lid 6 BW is for consumers).
            letter_costs: None,
            payments: &[],
            plan: None,
        },
        Demo {
            number: "ISB-2000-000003",
            secret: DEMO_SECRETS[2],
            description: "Consumer (Daan Bakker) who paid part of three physiotherapy bills: \
                          two payments allocated to costs, interest, then principal; VAT on \
                          the collection costs",
            creditor: creditor(
                "demo-fysio-gracht",
                "Fysiotherapie Aan de Gracht",
                "90000003",
                false,
                InterestKind::Consumer,
            ),
            debtor: DebtorDetails {
                address: Some("Kastanjestraat 27".into()),
                postcode: Some("9721 CX".into()),
                city: Some("Groningen".into()),
                phone: Some("+31687654321".into()),
                email: Some("daan.bakker@example.com".into()),
                customer_number: Some("FG-5521".into()),
                birth_date: birth(1994, 9, 30),
                id_document_number: Some("SPECI2014".into()),
                ..DebtorDetails::named(DebtorKind::Person, "Daan Bakker")
            },
            invoices: &[
                ("FG-2026-0311", 160, 30, 85_00),
                ("FG-2026-0388", 130, 30, 85_00),
                ("FG-2026-0459", 100, 30, 120_00),
            ],
            // Sent 5 days before FG-2026-0459 fell due: it counts for the other two only, so
            // that invoice carries no costs (art. 6:96 lid 6 BW). The letter announced the
            // costs on all three (€290.00: €43.50 + 21% VAT = €52.64); the portal charges
            // the €40.00 minimum on €170.00 + 21% VAT = €48.40.
            letter_days_ago: 75,
            letter_costs: Some(5_264),
            payments: &[(50, 40_00), (20, 60_00)],
            plan: None,
        },
        Demo {
            number: "ISB-2000-000004",
            secret: DEMO_SECRETS[3],
            description: "Consumer (Mila Jansen) with a payment plan whose first instalment \
                          was missed: the plan job moves it to the end once (the tolerance), \
                          to be paid late with one tap",
            creditor: creditor(
                "demo-polderstroom",
                "Polderstroom Energie B.V.",
                "90000001",
                true,
                InterestKind::Consumer,
            ),
            debtor: DebtorDetails {
                address: Some("Beukenlaan 3".into()),
                postcode: Some("5611 AB".into()),
                city: Some("Eindhoven".into()),
                email: Some("mila.jansen@example.com".into()),
                customer_number: Some("PS-318220".into()),
                birth_date: birth(1979, 2, 17),
                ..DebtorDetails::named(DebtorKind::Person, "Mila Jansen")
            },
            invoices: &[
                ("PS-2026-12210", 110, 14, 180_00),
                ("PS-2026-13390", 80, 14, 165_50),
            ],
            letter_days_ago: 50,
            // 15% of €345.50 = €51.83, no VAT.
            letter_costs: Some(5_183),
            payments: &[],
            // Agreed 12 days ago: the first instalment is past its 7 days' grace.
            plan: Some((12, 4)),
        },
    ]
}

fn days_before(today: NaiveDate, days: u64) -> Result<NaiveDate, DemoError> {
    today
        .checked_sub_days(Days::new(days))
        .ok_or(DemoError::DateOutOfRange)
}

fn days_after(date: NaiveDate, days: u64) -> Result<NaiveDate, DemoError> {
    date.checked_add_days(Days::new(days))
        .ok_or(DemoError::DateOutOfRange)
}

/// A time on `date`, for rows that record an instant.
fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
        .and_utc()
}

/// Writes one demo dossier; every step is keyed, so a repeat after an interruption completes
/// it without duplicates. The secret comes last: it marks the dossier as done.
async fn create(
    books: &Books,
    hasher: &SecretHasher,
    today: NaiveDate,
    demo: &Demo,
    number: DossierNumber,
    secret: &Secret,
) -> Result<(), DemoError> {
    let store = books.store();
    let now = Utc::now();
    if store.creditor(&demo.creditor.id).await?.is_none() {
        store.upsert_creditor(&demo.creditor, now).await?;
    }
    let mut items = Vec::new();
    for &(invoice_number, days_ago, term, cents) in demo.invoices {
        let invoice_date = days_before(today, days_ago)?;
        items.push(NewClaimItem {
            invoice_number: invoice_number.into(),
            invoice_date,
            due_date: days_after(invoice_date, term)?,
            principal: Money::from_cents(cents),
        });
    }
    let dossier = store
        .import_dossier(
            &DossierImport {
                dossier: NewDossier {
                    number: demo.number.into(),
                    creditor_id: demo.creditor.id.clone(),
                    status: DossierStatus::Open,
                },
                debtor: demo.debtor.clone(),
                claim_items: items.clone(),
            },
            now,
        )
        .await?
        .into_inner();
    let letter = days_before(today, demo.letter_days_ago)?;
    store
        .set_last_claim_letter(&dossier.id, letter, now)
        .await?;

    let invoice_ids = store
        .claim_items(&dossier.id)
        .await?
        .into_iter()
        .map(|item| item.id)
        .collect();
    store
        .record_cost_letter(
            &dossier.id,
            &NewCostLetter {
                sent_on: letter,
                invoice_ids,
                costs_announced: demo.letter_costs.map(Money::from_cents),
            },
            now,
        )
        .await?;

    for (n, &(days_ago, cents)) in demo.payments.iter().enumerate() {
        let paid_on = days_before(today, days_ago)?;
        book_payment(
            books,
            &dossier.id,
            &number,
            paid_on,
            Money::from_cents(cents),
            n + 1,
        )
        .await?;
    }

    if let Some((days_ago, months)) = demo.plan
        && store.open_plan(&dossier.id).await?.is_none()
    {
        let start = days_before(today, days_ago)?;
        let balance = claim::load_claim(store, &dossier.id, start)
            .await
            .map_err(|e| DemoError::Invalid(format!("claim of {}: {e}", demo.number)))?
            .open_total();
        let rules = domain::PlanRules::new(Money::from_cents(25_00), 12, true)
            .map_err(|e| DemoError::Invalid(format!("plan rules: {e}")))?;
        let preview = rules
            .preview(balance, domain::PlanRequest::Months(months), start)
            .map_err(|e| DemoError::Invalid(format!("plan of {}: {e}", demo.number)))?;
        store
            .create_plan(
                &NewPlan {
                    dossier_id: dossier.id.clone(),
                    status: PlanStatus::Active,
                    instalments: preview
                        .rows
                        .iter()
                        .map(|i| NewInstalment {
                            due_date: i.due(),
                            amount: i.amount(),
                        })
                        .collect(),
                    interest_stops: false,
                },
                at(start, 10),
            )
            .await?;
        store
            .set_dossier_status(
                &dossier.id,
                &[DossierStatus::Open],
                DossierStatus::Plan,
                now,
            )
            .await?;
    }

    let (hasher, demo_secret) = (hasher.clone(), secret.clone());
    let hash = tokio::task::spawn_blocking(move || hasher.hash(demo_secret.expose())).await??;
    store.set_dossier_secret(&dossier.id, &hash, now).await?;
    tracing::info!(dossier = demo.number, "demo dossier created");
    Ok(())
}

/// Books a payment as the portal books one: through the booking step ([`booking::Books`]),
/// which divides it over what was open on the day it was paid (costs, interest up to that
/// day, principal; art. 6:44 BW) and brings a payment plan up to date.
async fn book_payment(
    books: &Books,
    dossier_id: &DossierId,
    number: &DossierNumber,
    paid_on: NaiveDate,
    amount: Money,
    sequence: usize,
) -> Result<(), DemoError> {
    let hold = books.hold(dossier_id).await?;
    let paid_at = at(paid_on, 10);
    let (_, allocation) = hold.allocate(amount, paid_at).await?;
    hold.append(&allocation.ledger_entry(
        "demo: bank transfer",
        None,
        format!("demo:{number}:payment:{sequence}"),
        paid_at,
    ))
    .await?;
    hold.finish(paid_at).await;
    Ok(())
}
