//! Debtor sessions: an opaque random cookie; the database keeps only its hash.

use super::Settings;
use auth::Token;
use chrono::{DateTime, Utc};
use domain::DossierId;
use http::HeaderValue;
use store::{NewSession, Session, SessionKind, Store};

/// The session cookie's name.
pub const COOKIE: &str = "dp_session";

/// `Set-Cookie` for a new session: HttpOnly (no script can read it), SameSite=Lax (not sent
/// on cross-site posts), Secure unless on plain-http localhost. No Max-Age: it ends with the
/// browser, and the server ends it sooner.
pub fn set_cookie(token: &Token, settings: &Settings) -> HeaderValue {
    cookie_header(COOKIE, token.expose(), "Lax", "", settings)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(settings: &Settings) -> HeaderValue {
    cookie_header(COOKIE, "", "Lax", "; Max-Age=0", settings)
}

/// A `Set-Cookie` header for one of the portal's session cookies (debtor or staff): always
/// `Path=/; HttpOnly`, the given SameSite, `Secure` unless on plain-http localhost.
pub fn cookie_header(
    name: &str,
    value: &str,
    same_site: &str,
    extra: &str,
    settings: &Settings,
) -> HeaderValue {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}{extra}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token from a request's `Cookie` headers, if well-formed.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<Token> {
    token_in_cookie(headers, COOKIE)
}

/// The token in the cookie `name` of a request's `Cookie` headers, if well-formed.
pub fn token_in_cookie(headers: &http::HeaderMap, name: &str) -> Option<Token> {
    cookie_value(headers, name).and_then(|value| Token::parse(&value).ok())
}

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// Reads a one-time cookie (a form's answer carried across a redirect) of the request being
/// rendered and removes it, so that a reload shows the page without it.
pub fn take_cookie(name: &str, settings: &Settings) -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let value = cookie_value(&parts.headers, name)?;
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(
            http::header::SET_COOKIE,
            cookie_header(name, "", "Lax", "; Max-Age=0", settings),
        );
    }
    Some(value)
}

/// A live session of the current request, with its token.
#[derive(Clone)]
pub struct Current {
    pub token: Token,
    /// For a counsellor, `dossier_id` is the dossier the session acts for (its grant checked
    /// at this request).
    pub session: Session,
    /// Who holds it: what it reaches is `domain::reaches(holder, area)`.
    pub holder: domain::Holder,
    /// The counsellor, when a counsellor acts for the debtor (read with the grant).
    pub counsellor: Option<store::Counsellor>,
}

impl Current {
    /// Whether this session may reach `area` of its dossier.
    pub fn reaches(&self, area: domain::Area) -> bool {
        domain::reaches(self.holder, area)
    }
}

/// Looks up the request's debtor session and records the activity (restarting the idle timer).
pub async fn current(
    store: &Store,
    headers: &http::HeaderMap,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<Current>, store::StoreError> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    let idle = settings.idle_timeout;
    let Some(mut session) = store.session(token.expose(), now, idle).await? else {
        return Ok(None);
    };
    let (holder, counsellor) = match session.kind {
        store::SessionKind::Full => (domain::Holder::Debtor, None),
        store::SessionKind::PayOnly => (domain::Holder::PayOnly, None),
        store::SessionKind::Staff => match acting_counsellor(store, &mut session).await? {
            Some(acting) => acting,
            // A staff token in the debtor cookie opens nothing and keeps nothing alive; nor
            // does a counsellor's without a dossier it may act for.
            None => return Ok(None),
        },
    };
    store.touch_session(token.expose(), now).await?;
    Ok(Some(Current {
        token,
        session,
        holder,
        counsellor,
    }))
}

/// A counsellor's session acting for a dossier it has a live grant on: the holder, and the
/// session with that dossier as its own. The grant is read at every request, so a revoked
/// one ends access at once.
async fn acting_counsellor(
    store: &Store,
    session: &mut Session,
) -> Result<Option<(domain::Holder, Option<store::Counsellor>)>, store::StoreError> {
    let (Some(username), Some(dossier_id)) = (&session.staff_username, &session.acting_for) else {
        return Ok(None);
    };
    let Some(access) = store.access(dossier_id, username).await? else {
        return Ok(None);
    };
    session.dossier_id = Some(access.dossier_id);
    let holder = domain::Holder::Counsellor {
        personal_data: access.personal_data,
    };
    Ok(Some((holder, Some(access.counsellor))))
}

/// Opens a new debtor session and returns its token for the cookie. Always a fresh id: a
/// session id planted in the browser before sign-in is worthless afterwards.
pub async fn open(
    store: &Store,
    settings: &Settings,
    dossier_id: &DossierId,
    kind: SessionKind,
    now: DateTime<Utc>,
) -> Result<Token, store::StoreError> {
    let token = Token::generate();
    let session = NewSession {
        token: token.expose().to_owned(),
        kind,
        dossier_id: Some(dossier_id.clone()),
        staff_username: None,
        csrf_token: Token::generate().expose().to_owned(),
        expires_at: now + settings.absolute_timeout,
    };
    store.create_session(&session, now).await?;
    Ok(token)
}
