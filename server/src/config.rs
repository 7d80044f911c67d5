//! Runtime configuration, from (strongest first) command-line flags, environment variables
//! (`PORTAL_*`, and `DATABASE_URL`), a TOML file (`--config`), and built-in defaults.
//!
//! Secrets (QR-link keys, a database password) are held so that `Debug` and log lines
//! never show them.

use anyhow::{Context, bail};
use clap::Args;
use domain::PaymentRules;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use leptos::prelude::LeptosOptions;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Settings of a running portal, after merging every source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// The address debtors use, for links on letters and Pay.nl return URLs
    /// (default: http://{addr}).
    pub public_url: Option<String>,
    /// Folder with the built site (`pkg/` with JS, WASM and CSS, plus public assets).
    pub site_root: PathBuf,
    /// Database: `sqlite://path` (embedded default) or `postgres://...`.
    pub database_url: SecretString,
    /// Keys for signing QR links: `kid:base64,kid:base64` (32 bytes or more each).
    /// Without it a random key is made at start-up and old links stop working on restart.
    pub link_keys: Option<SecretString>,
    /// The key id new links are signed with (default: the first in `link_keys`).
    pub link_key_current: Option<String>,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// How many proxies of the agency's own append to X-Forwarded-For (a load balancer: 1;
    /// a CDN in front of it: 2). The client address is that many entries from the right:
    /// everything further left was written by the client and proves nothing.
    pub proxy_hops: u8,
    /// A debtor session ends after this many minutes without a request...
    pub session_idle_minutes: u32,
    /// ...and in any case this many minutes after sign-in.
    pub session_absolute_minutes: u32,
    /// Pay through a Pay.nl simulator started inside the portal (local use and demos only:
    /// nothing is really paid).
    pub paynl_sandbox: bool,
    /// Pay.nl's order API (default https://connect.pay.nl).
    pub paynl_api_url: Option<String>,
    /// Pay.nl's REST API for refunds (default https://rest.pay.nl).
    pub paynl_rest_url: Option<String>,
    /// The AT-code (`AT-xxxx-xxxx`) the portal signs in to Pay.nl with.
    pub paynl_token_code: Option<String>,
    /// Its API token; also the key of exchange calls signed with the AT-code.
    pub paynl_api_token: Option<SecretString>,
    /// The sales location (`SL-xxxx-xxxx`) orders are made for.
    pub paynl_service_id: Option<String>,
    /// The sales location's secret, the key of exchange calls signed with the SL-code.
    pub paynl_service_secret: Option<SecretString>,
    /// The smallest part payment, in cents (the whole balance may always be paid).
    pub minimum_part_payment_cents: i64,
    /// Whether a debtor may pay more than is open (held as credit).
    pub allow_overpayment: bool,
    /// A payment without news from Pay.nl for this many minutes is re-read by the reconciler.
    pub reconcile_after_minutes: u32,
    /// Seconds between the reconciler's rounds (one instance works at a time, under a
    /// database lease).
    pub reconcile_interval_seconds: u32,
    /// Days after a payment during which the reconciler still re-reads it for a refund or
    /// chargeback whose exchange call was lost (0: never).
    pub reconcile_paid_days: u32,
    /// Days sign-in attempts (with the client's address) are kept. The throttle looks back
    /// 24 hours; the rest is for looking into an attack after the fact.
    pub login_attempts_days: u32,
    /// The bearer token a Prometheus scraper sends for `GET /metrics` (unset: not served).
    pub metrics_token: Option<SecretString>,
    /// Who the agency is, where data is kept and who receives it (`[agency]` in the file).
    pub agency: app::agency::Agency,
    /// Payment-plan rules, per creditor where set (`[plans]` in the file).
    #[serde(default)]
    pub plans: plans::PlanConfig,
    /// A newer statutory interest table than the one built in (same format as
    /// `domain/data/statutory-interest-rates.csv`).
    #[serde(default)]
    pub interest_rates_file: Option<PathBuf>,
    /// The SMTP relay for mail to debtors, as a URL: `smtps://user:password@host:465` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS). None: mail is written to
    /// `mail_folder` as `.eml` files (and shown on the demo's mail page).
    #[serde(default)]
    pub mail_smtp_url: Option<SecretString>,
    /// One more certificate authority to trust for the relay (PEM), for a private relay.
    #[serde(default)]
    pub mail_smtp_ca_file: Option<PathBuf>,
    /// The sender, e.g. `Incassobureau <noreply@incassobureau.nl>`; its domain is also the
    /// Message-ID's.
    #[serde(default = "default_mail_from")]
    pub mail_from: String,
    /// Where mail goes without a relay.
    #[serde(default = "default_mail_folder")]
    pub mail_folder: PathBuf,
    /// At most this many messages a minute, so a letter run goes out spread over the
    /// morning rather than all at 07:00.
    #[serde(default = "default_mail_per_minute")]
    pub mail_per_minute: u32,
    /// Days before an instalment's due date that its reminder is written.
    #[serde(default = "default_mail_reminder_days")]
    pub mail_reminder_days: u32,
    /// Days on which no mail goes out besides Sundays and the Algemene termijnenwet's
    /// holidays: the year's Besluit gelijkstelling (e.g. `["2027-05-07"]`).
    #[serde(default)]
    pub mail_closed_days: Vec<chrono::NaiveDate>,
}

fn default_mail_from() -> String {
    "Debiteurportaal <noreply@localhost>".into()
}

fn default_mail_folder() -> PathBuf {
    PathBuf::from("data/mail")
}

fn default_mail_per_minute() -> u32 {
    30
}

fn default_mail_reminder_days() -> u32 {
    3
}

/// The built-in defaults, as a figment layer.
#[derive(Serialize)]
struct Defaults {
    addr: SocketAddr,
    site_root: PathBuf,
    database_url: &'static str,
    trust_proxy: bool,
    proxy_hops: u8,
    session_idle_minutes: u32,
    session_absolute_minutes: u32,
    paynl_sandbox: bool,
    minimum_part_payment_cents: i64,
    allow_overpayment: bool,
    reconcile_after_minutes: u32,
    reconcile_interval_seconds: u32,
    reconcile_paid_days: u32,
    login_attempts_days: u32,
    agency: app::agency::Agency,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            database_url: "sqlite://data/portal.db",
            trust_proxy: false,
            proxy_hops: 1,
            session_idle_minutes: 15,
            session_absolute_minutes: 240,
            paynl_sandbox: false,
            minimum_part_payment_cents: PaymentRules::default().minimum_part_payment.cents(),
            allow_overpayment: PaymentRules::default().allow_overpayment,
            reconcile_after_minutes: 15,
            reconcile_interval_seconds: 60,
            reconcile_paid_days: 180,
            login_attempts_days: 30,
            agency: app::agency::Agency::default(),
        }
    }
}

/// The command-line flags; each overrides the same setting from the environment or the file.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct ConfigArgs {
    /// A TOML file with settings (keys as the flags, with underscores: `public_url = "..."`).
    #[arg(long, env = "PORTAL_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [env PORTAL_ADDR; default 127.0.0.1:3000].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<SocketAddr>,
    /// The address debtors use, for links on letters and Pay.nl return URLs
    /// [env PORTAL_PUBLIC_URL; default http://{addr}].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Folder with the built site [env PORTAL_SITE_ROOT; default target/site].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_root: Option<PathBuf>,
    /// `sqlite://path` or `postgres://...` [env DATABASE_URL; default sqlite://data/portal.db].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// QR-link keys `kid:base64,...` [env PORTAL_LINK_KEYS]. Prefer the environment or the
    /// file: a flag shows in the process list.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_keys: Option<String>,
    /// The key id new links are signed with [env PORTAL_LINK_KEY_CURRENT].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_key_current: Option<String>,
    /// Take the client address from X-Forwarded-For [env PORTAL_TRUST_PROXY].
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub trust_proxy: bool,
    /// Days sign-in attempts (with client addresses) are kept, 2-365
    /// [env PORTAL_LOGIN_ATTEMPTS_DAYS; default 30].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_attempts_days: Option<u32>,
    /// Bearer token for `GET /metrics` [env PORTAL_METRICS_TOKEN; unset: no /metrics]. Prefer
    /// the environment or the file: a flag shows in the process list.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<String>,
    /// Pay through a built-in Pay.nl simulator (nothing is really paid) [env PORTAL_PAYNL_SANDBOX].
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paynl_sandbox: bool,
}

impl ConfigArgs {
    /// Merges defaults, the file, the environment and these flags into one `Config`.
    pub fn load(&self) -> anyhow::Result<Config> {
        self.load_with(Env::prefixed("PORTAL_"), Env::raw().only(&["DATABASE_URL"]))
    }

    fn load_with(&self, portal_env: Env, database_env: Env) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(path) = &self.config {
            figment = figment.merge(Toml::file_exact(existing(path)?));
        }
        let config: Config = figment
            // Flags of the command itself, not settings.
            .merge(portal_env.ignore(&["config", "demo"]))
            .merge(database_env)
            .merge(Serialized::defaults(self))
            .extract()
            .context("invalid configuration")?;
        config.check()?;
        Ok(config)
    }
}

fn existing(path: &Path) -> anyhow::Result<&Path> {
    if !path.is_file() {
        bail!("config file {} not found", path.display());
    }
    Ok(path)
}

impl Config {
    /// When dossiers are removed: `[agency] retention_years` after the last claim letter (the
    /// figure the privacy page shows), never earlier than the Bki's two years after closing.
    pub fn retention_policy(&self) -> domain::RetentionPolicy {
        self.agency.retention_policy()
    }

    /// Catches settings that parse but cannot work.
    fn check(&self) -> anyhow::Result<()> {
        if self.session_idle_minutes == 0 || self.session_absolute_minutes == 0 {
            bail!("session timeouts must be at least one minute");
        }
        if self.session_idle_minutes > self.session_absolute_minutes {
            bail!("session_idle_minutes cannot exceed session_absolute_minutes");
        }
        // Rounds must come well within the reconciler's 5-minute lease, or the lease lapses
        // between rounds and the job hops between instances.
        if !(1..=240).contains(&self.reconcile_interval_seconds) {
            bail!("reconcile_interval_seconds must be between 1 and 240");
        }
        if self.reconcile_paid_days > 540 {
            bail!("reconcile_paid_days must be at most 540");
        }
        // Shorter than the tax authority's seven years would break the privacy statement's
        // reason for keeping; zero would remove dossiers two years after closing.
        if !(7..=30).contains(&self.agency.retention_years) {
            bail!("agency.retention_years must be between 7 and 30");
        }
        if !(1..=10_000).contains(&self.mail_per_minute) {
            bail!("mail_per_minute must be between 1 and 10000");
        }
        if !(1..=14).contains(&self.mail_reminder_days) {
            bail!("mail_reminder_days must be between 1 and 14");
        }
        if self.mail_from.parse::<mail::Mailbox>().is_err() {
            bail!("mail_from is not an e-mail address (e.g. 'Name <noreply@example.nl>')");
        }
        // Under two days an attack of yesterday evening is gone by the morning; a year is
        // far more than looking into one needs.
        if !(2..=365).contains(&self.login_attempts_days) {
            bail!("login_attempts_days must be between 2 and 365");
        }
        // A short token could be guessed by anyone who can reach the portal.
        if let Some(token) = &self.metrics_token
            && token.expose_secret().trim().len() < 16
        {
            bail!("metrics_token must be at least 16 characters");
        }
        if self.minimum_part_payment_cents < 1 {
            bail!("minimum_part_payment_cents must be at least 1");
        }
        let paynl = [
            self.paynl_token_code.is_some(),
            self.paynl_api_token.is_some(),
            self.paynl_service_id.is_some(),
        ];
        if paynl.contains(&true) && paynl.contains(&false) {
            bail!("Pay.nl needs paynl_token_code, paynl_api_token and paynl_service_id together");
        }
        if self.paynl_sandbox && paynl.contains(&true) {
            bail!("choose either paynl_sandbox or a Pay.nl account, not both");
        }
        Ok(())
    }

    /// The statutory interest table to use: `interest_rates_file`, or the built-in one. A
    /// file that cannot be read or parsed is an error naming the line.
    pub fn rate_table(&self) -> anyhow::Result<domain::RateTable> {
        let Some(path) = &self.interest_rates_file else {
            return Ok(domain::RateTable::embedded());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("interest_rates_file {}", path.display()))?;
        domain::RateTable::parse(&text)
            .with_context(|| format!("interest_rates_file {}", path.display()))
    }

    /// What a debtor may pay online, from `minimum_part_payment_cents` and
    /// `allow_overpayment`.
    pub fn payment_rules(&self) -> PaymentRules {
        PaymentRules {
            minimum_part_payment: domain::Money::from_cents(self.minimum_part_payment_cents),
            allow_overpayment: self.allow_overpayment,
        }
    }

    /// The database URL, for connecting.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The database URL with any password masked, for messages and logs.
    pub fn database_for_display(&self) -> String {
        match url::Url::parse(self.database_url()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => self.database_url().to_owned(),
        }
    }

    /// Leptos' own settings, built here rather than read from cargo-leptos' environment so
    /// the release binary and the tests start the same way without cargo-leptos.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Where mail to debtors goes: the relay of `mail_smtp_url`, else `mail_folder`.
    pub fn mail_transport(&self) -> anyhow::Result<mail::Transport> {
        let Some(url) = &self.mail_smtp_url else {
            return Ok(mail::Transport::Folder(self.mail_folder.clone()));
        };
        let ca = match &self.mail_smtp_ca_file {
            Some(path) => Some(
                std::fs::read(path)
                    .with_context(|| format!("mail_smtp_ca_file {}", path.display()))?,
            ),
            None => None,
        };
        mail::Transport::smtp(url.expose_secret(), ca.as_deref())
            .context("mail_smtp_url (the URL itself is not printed: it may hold a password)")
    }

    /// The legal contact hours with `mail_closed_days`.
    pub fn contact_hours(&self) -> mail::ContactHours {
        mail::ContactHours::new(self.mail_closed_days.iter().copied())
    }

    /// Cookies are `Secure` except when the portal is reached over plain http on this
    /// machine (browsers would drop them otherwise during local use and tests).
    pub fn secure_cookies(&self, bound: SocketAddr) -> bool {
        let url = self.public_url(bound);
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p));
        !local
    }

    /// How long housekeeping keeps what it sweeps.
    pub fn housekeeping(&self) -> crate::housekeeping::Retention {
        crate::housekeeping::Retention {
            login_attempts: chrono::Duration::days(i64::from(self.login_attempts_days)),
            session_idle: self.session_timeouts().0,
            ..crate::housekeeping::Retention::default()
        }
    }

    /// Session lifetimes for the app.
    pub fn session_timeouts(&self) -> (chrono::Duration, chrono::Duration) {
        (
            chrono::Duration::minutes(i64::from(self.session_idle_minutes)),
            chrono::Duration::minutes(i64::from(self.session_absolute_minutes)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const KEY: &str = "k1:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

    // Environment providers with a prefix no real variable has, so tests stay independent of
    // the machine and of each other.
    fn no_env() -> (Env, Env) {
        (
            Env::prefixed("DP_TEST_UNSET_"),
            Env::prefixed("DP_TEST_UNSET_"),
        )
    }

    fn load(args: &ConfigArgs) -> anyhow::Result<Config> {
        let (a, b) = no_env();
        args.load_with(a, b)
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn an_interest_rate_file_is_read_and_a_malformed_one_refused_with_its_line() {
        let rates =
            file("kind,from,rate,source\nconsumer,2015-01-01,2,s\ncommercial,2015-01-01,8,s\n");
        let settings = file(&format!(
            "interest_rates_file = \"{}\"\n",
            rates.path().display()
        ));
        let args = ConfigArgs {
            config: Some(settings.path().to_owned()),
            ..ConfigArgs::default()
        };
        let table = load(&args).expect("config").rate_table().expect("table");
        // A table ending in 2015 is stale long before today.
        let until = chrono::NaiveDate::from_ymd_opt(2015, 6, 30).unwrap();
        assert_eq!(table.covered_until(), until);
        assert_eq!(
            table.stale_on(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            Some(until)
        );

        let broken =
            file("kind,from,rate,source\nconsumer,2015-01-01,2,s\nconsumer,2015-03-01,2,s\n");
        let settings = file(&format!(
            "interest_rates_file = \"{}\"\n",
            broken.path().display()
        ));
        let args = ConfigArgs {
            config: Some(settings.path().to_owned()),
            ..ConfigArgs::default()
        };
        let error = load(&args).expect("config").rate_table().unwrap_err();
        let text = format!("{error:#}");
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("1 January or 1 July"), "{text}");
        // Without the setting, the built-in table.
        assert_eq!(
            load(&ConfigArgs::default()).unwrap().rate_table().unwrap(),
            domain::RateTable::embedded()
        );
    }

    #[test]
    fn defaults_without_any_source() {
        let config = load(&ConfigArgs::default()).expect("config");
        assert_eq!(config.addr, SocketAddr::from(([127, 0, 0, 1], 3000)));
        assert_eq!(config.database_url(), "sqlite://data/portal.db");
        assert!(config.link_keys.is_none());
        assert_eq!(config.session_idle_minutes, 15);
        assert_eq!(config.session_absolute_minutes, 240);
    }

    #[test]
    fn the_file_sets_and_flags_override_it() {
        let f = file(&format!(
            "addr = \"0.0.0.0:8080\"\npublic_url = \"https://portaal.example.nl\"\n\
             link_keys = \"{KEY}\"\nsession_idle_minutes = 10\n"
        ));
        let args = ConfigArgs {
            config: Some(f.path().to_owned()),
            addr: Some(SocketAddr::from(([127, 0, 0, 1], 9999))),
            ..ConfigArgs::default()
        };
        let config = load(&args).expect("config");
        assert_eq!(config.addr.port(), 9999, "the flag wins over the file");
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://portaal.example.nl")
        );
        assert_eq!(
            config.link_keys.as_ref().map(|k| k.expose_secret()),
            Some(KEY)
        );
        assert_eq!(config.session_idle_minutes, 10);
    }

    #[test]
    // figment's own test harness fixes the closure's error type.
    #[allow(clippy::result_large_err)]
    fn the_environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("portal.toml", "public_url = \"https://from-file.nl\"")?;
            jail.set_env("PORTAL_PUBLIC_URL", "https://from-env.nl");
            jail.set_env("DATABASE_URL", "postgres://u:pw@db/portal");
            let args = ConfigArgs {
                config: Some("portal.toml".into()),
                ..ConfigArgs::default()
            };
            let config = args.load().map_err(|e| e.to_string())?;
            assert_eq!(config.public_url.as_deref(), Some("https://from-env.nl"));
            assert_eq!(config.database_url(), "postgres://u:pw@db/portal");
            Ok(())
        });
    }

    #[test]
    fn secrets_never_show_in_debug_or_display() {
        let f = file(&format!(
            "link_keys = \"{KEY}\"\ndatabase_url = \"postgres://portal:hunter2@db/portal\"\n"
        ));
        let args = ConfigArgs {
            config: Some(f.path().to_owned()),
            ..ConfigArgs::default()
        };
        let config = load(&args).expect("config");
        let debug = format!("{config:?}");
        assert!(!debug.contains("BwcHBwcH"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        let shown = config.database_for_display();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db/portal"), "{shown}");
    }

    #[test]
    fn unknown_keys_and_a_missing_file_are_errors() {
        let f = file("adress = \"0.0.0.0:80\"\n");
        let typo = ConfigArgs {
            config: Some(f.path().to_owned()),
            ..ConfigArgs::default()
        };
        let err = format!("{:#}", load(&typo).expect_err("typo"));
        assert!(err.contains("adress"), "{err}");
        let missing = ConfigArgs {
            config: Some("/nonexistent/portal.toml".into()),
            ..ConfigArgs::default()
        };
        assert!(load(&missing).is_err());
    }

    #[test]
    fn login_attempts_days_and_the_metrics_token_are_read_and_checked() {
        let config = load(&ConfigArgs::default()).expect("config");
        assert_eq!(config.login_attempts_days, 30);
        assert_eq!(
            config.housekeeping().login_attempts,
            chrono::Duration::days(30)
        );
        assert!(config.metrics_token.is_none());

        let f = file("login_attempts_days = 7\nmetrics_token = \"scrape-scrape-scrape-1\"\n");
        let mut args = ConfigArgs {
            config: Some(f.path().to_owned()),
            ..ConfigArgs::default()
        };
        let config = load(&args).expect("config");
        assert_eq!(config.login_attempts_days, 7);
        assert_eq!(
            config.metrics_token.as_ref().map(|t| t.expose_secret()),
            Some("scrape-scrape-scrape-1")
        );
        assert!(!format!("{config:?}").contains("scrape-scrape"));
        args.login_attempts_days = Some(90);
        assert_eq!(load(&args).expect("flag").login_attempts_days, 90);

        for refused in [
            "login_attempts_days = 1\n",
            "login_attempts_days = 366\n",
            "metrics_token = \"short\"\n",
        ] {
            let f = file(refused);
            let args = ConfigArgs {
                config: Some(f.path().to_owned()),
                ..ConfigArgs::default()
            };
            assert!(load(&args).is_err(), "{refused}");
        }
    }

    #[test]
    fn impossible_timeouts_are_refused() {
        let f = file("session_idle_minutes = 300\nsession_absolute_minutes = 60\n");
        let args = ConfigArgs {
            config: Some(f.path().to_owned()),
            ..ConfigArgs::default()
        };
        assert!(load(&args).is_err());
    }
}
