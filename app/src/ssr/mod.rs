//! Server-only code behind the pages: the services a request can use, sessions, and the
//! one function per rule (signing in, ...). Compiled only with the `ssr` feature.

pub mod budget;
pub mod counsellor;
pub mod dispute;
pub mod dossier;
pub mod export;
pub mod later;
pub mod letter_check;
pub mod messages;
pub mod my_data;
pub mod page_policy;
pub mod pay;
pub mod plan;
pub mod session;
pub mod sign_in;
pub mod staff;

use domain::DossierId;
use std::net::IpAddr;
use std::sync::Arc;

/// Settings the pages need at run time (from the server's config).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure`; off only for plain-http localhost.
    pub secure_cookies: bool,
    /// A debtor session ends after this much inactivity...
    pub idle_timeout: chrono::Duration,
    /// ...and in any case this long after sign-in.
    pub absolute_timeout: chrono::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: true,
            idle_timeout: chrono::Duration::minutes(15),
            absolute_timeout: chrono::Duration::hours(4),
        }
    }
}

/// Everything server functions reach for, provided as Leptos context by the server.
#[derive(Clone)]
pub struct Services {
    pub store: store::Store,
    /// The one booking step, shared so the dossier locks are shared (payments, disputes).
    pub books: booking::Books,
    /// What a debtor may pay online (the server's config; `payments` enforces the same).
    pub payment_rules: domain::PaymentRules,
    pub hasher: Arc<auth::SecretHasher>,
    pub links: Arc<auth::LinkKeyring>,
    pub settings: Arc<Settings>,
    pub agency: Arc<crate::agency::Agency>,
    /// Paying through Pay.nl; `None` when the server has no Pay.nl account (nor sandbox).
    pub payments: Option<payments::PaymentService>,
    /// Payment plans; present whenever paying online is.
    pub plans: Option<plans::PlanService>,
    /// The built-in Pay.nl simulator when the server runs with the sandbox (kept here
    /// because dropping it stops it; tests drive it through its control API).
    pub paynl_sandbox: Option<Arc<paynl::sim::Simulator>>,
    /// Who the debtor's messages are from (for showing a message not yet sent as it will
    /// read).
    pub letterhead: Arc<mail::Letterhead>,
    /// The folder mail goes to when there is no SMTP relay (the demo): its mail page lists
    /// what would have been sent.
    pub mail_folder: Option<std::path::PathBuf>,
}

impl Services {
    /// The smallest part payment accepted (unless it is the whole balance).
    pub fn minimum_part_payment(&self) -> domain::Money {
        self.payment_rules.minimum_part_payment
    }
}

/// The services of this request, or an error when the server forgot to provide them.
pub fn services() -> Result<Services, leptos::prelude::ServerFnErrorErr> {
    leptos::prelude::use_context::<Services>().ok_or_else(|| {
        leptos::prelude::ServerFnErrorErr::ServerError("services missing from context".into())
    })
}

/// Answers a refused server-function call from a hydrated island with `status` instead of
/// Leptos' default 500, so a wrong code or an unknown payment is not logged as a server
/// failure. A plain form post (it accepts HTML) keeps the redirect back to the form that
/// Leptos makes for browsers without JavaScript.
pub fn refuse_with(status: http::StatusCode) {
    use leptos::prelude::use_context;
    let form_post = use_context::<http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if !form_post && let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// Answers a refusal of a server-function call with its HTTP status (401 not signed in, 403
/// the secret is needed, 503 unavailable) instead of Leptos' default 500, so a call without
/// a session is not logged as a server failure. Page renders and plain form posts are left
/// alone: they answer with a redirect.
pub fn refused(refusal: crate::errors::Refusal) -> crate::errors::Refusal {
    use crate::errors::Refusal;
    let server_fn_call = leptos::prelude::use_context::<http::request::Parts>()
        .is_some_and(|p| p.uri.path().starts_with("/api/"));
    if server_fn_call {
        refuse_with(match refusal {
            Refusal::NotSignedIn => http::StatusCode::UNAUTHORIZED,
            Refusal::NeedsSecret | Refusal::NotGranted => http::StatusCode::FORBIDDEN,
            Refusal::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
        });
    }
    refusal
}

/// The client's address, as the server recorded it for this request.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The address of the current request's client, if known.
pub fn client_ip() -> Option<IpAddr> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<ClientIp>().map(|c| c.0)
}

/// The services and the live debtor session of this request, or `NotSignedIn`.
pub async fn require_session() -> Result<(Services, session::Current), crate::errors::Refusal> {
    use crate::errors::Refusal;
    let services = services().map_err(|_| Refusal::Unavailable)?;
    let parts =
        leptos::prelude::use_context::<http::request::Parts>().ok_or(Refusal::Unavailable)?;
    // A page load already passed the server's session gate, which left the session in the
    // request: no second lookup. Calls from the browser are checked here.
    let current = match parts.extensions.get::<session::Current>() {
        Some(current) => Some(current.clone()),
        None => session::current(
            &services.store,
            &parts.headers,
            &services.settings,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| unavailable("session", e))?,
    };
    match current {
        // Only sessions on a dossier: a staff session never acts as a debtor, even if its
        // token sits in the debtor cookie (`session::current` finds none for it).
        Some(current) if current.session.dossier_id.is_some() => {
            // Every call a counsellor makes is on the debtor's record (page loads are recorded
            // by the server's page gate).
            if parts.method != http::Method::GET {
                let path = parts.uri.path();
                audit_counsellor(&services, &current, "counsellor.acted", path, client_ip()).await;
            }
            Ok((services, current))
        }
        _ => {
            // Rendering a page: answer with a redirect to sign-in. Called from the browser:
            // the client follows the same redirect.
            leptos_axum::redirect("/");
            Err(refused(Refusal::NotSignedIn))
        }
    }
}

/// The services, the session and its dossier, if the session reaches `area` of it
/// (`domain::reaches`): a QR-link session needs the secret for anything beyond paying, a
/// counsellor reaches what the debtor granted.
pub async fn require_area(
    area: domain::Area,
) -> Result<(Services, session::Current, DossierId), crate::errors::Refusal> {
    let (services, current) = require_session().await?;
    if !current.reaches(area) {
        return Err(refused(match current.holder {
            domain::Holder::PayOnly => crate::Refusal::NeedsSecret,
            _ => crate::Refusal::NotGranted,
        }));
    }
    let dossier_id = current
        .session
        .dossier_id
        .clone()
        .ok_or(crate::Refusal::NotSignedIn)?;
    Ok((services, current, dossier_id))
}

/// Records what a counsellor did or saw on the dossier their session acts for (`action`
/// `counsellor.viewed` or `counsellor.acted`, the path in the detail); the debtor sees these
/// on `/dossier/access`. Nothing for the debtor's own session. A failure to write is logged.
pub async fn audit_counsellor(
    services: &Services,
    current: &session::Current,
    action: &str,
    path: &str,
    ip: Option<IpAddr>,
) {
    let Some(counsellor) = &current.counsellor else {
        return;
    };
    let event = store::NewAuditEvent {
        at: chrono::Utc::now(),
        actor_kind: store::ActorKind::Debtor,
        actor_id: None,
        dossier_id: current.session.dossier_id.clone(),
        action: action.to_owned(),
        detail: serde_json::json!({ "path": path }),
        client_ip: ip.map(|ip| ip.to_string()),
        counsellor: Some(counsellor.username.clone()),
    };
    if let Err(e) = services.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write audit event");
    }
}

/// Logs a database failure and turns it into the error the browser may see.
pub fn unavailable(what: &str, e: store::StoreError) -> crate::errors::Refusal {
    tracing::error!(error = %e, what, "database error");
    crate::Refusal::Unavailable
}

/// Appends a debtor's action to the audit log. A failure to write is logged, not returned:
/// the debtor's request itself succeeded or failed on its own merits.
pub async fn audit_debtor(
    services: &Services,
    dossier_id: Option<DossierId>,
    number: &domain::DossierNumber,
    action: &str,
    detail: serde_json::Value,
    ip: Option<IpAddr>,
    now: chrono::DateTime<chrono::Utc>,
) {
    let event = store::NewAuditEvent {
        at: now,
        actor_kind: store::ActorKind::Debtor,
        actor_id: Some(number.to_string()),
        dossier_id,
        action: action.to_owned(),
        detail,
        client_ip: ip.map(|ip| ip.to_string()),
        counsellor: None,
    };
    if let Err(e) = services.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write audit event");
    }
}
