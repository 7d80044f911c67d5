//! Request layers: client address, cross-site write protection, security headers.

use crate::AppState;
use app::ssr::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use std::net::{IpAddr, SocketAddr};

/// Records the client's address as a `ClientIp` request extension: the socket peer, or,
/// behind trusted proxies, the address they saw (see [`forwarded_client`]).
pub async fn client_ip(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = forwarded_client(req.headers(), state.proxy_hops);
    if let Some(ip) = forwarded.or(peer) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The client address behind `hops` trusted proxies: each appends the address it was
/// connected from to X-Forwarded-For, so the `hops`-th entry from the **right** is the one
/// the outermost trusted proxy saw. Entries further left come from the client itself and
/// would let an attacker pick the address throttling counts against. A shorter list (a
/// request that skipped an outer proxy) yields its leftmost entry, an unreadable one `None`
/// (the caller then uses the socket peer). Several headers count as one list, in order.
pub fn forwarded_client(headers: &http::HeaderMap, hops: u8) -> Option<IpAddr> {
    if hops == 0 {
        return None;
    }
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let value = value.to_str().ok()?;
        entries.extend(value.split(',').map(str::trim));
    }
    let index = entries.len().saturating_sub(usize::from(hops));
    entries.get(index)?.parse::<IpAddr>().ok()
}

/// What a request body may weigh: enough for every form and server function of the portal,
/// and no more, so that nobody can make the server buffer megabytes it will only refuse.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// A Pay.nl exchange call is a few hundred bytes of form or JSON; 16 KiB leaves ample room.
pub const EXCHANGE_BODY_LIMIT: usize = 16 * 1024;

/// The limit for a request to `path`, `None` for the two forms with files (a dispute, an
/// income and expenses statement): their handlers stream the files under a limit of their own
/// (`uploads::MAX_FORM_BYTES`) and answers a too-large form
/// with the form and a message rather than a bare 413. Everything else is a form, a server
/// function or an exchange call.
fn body_limit_for(path: &str) -> Option<usize> {
    match path {
        "/dossier/disputes" | "/dossier/plan/budget" => None,
        "/api/paynl/exchange" => Some(EXCHANGE_BODY_LIMIT),
        _ => Some(FORM_BODY_LIMIT),
    }
}

/// Caps every request body: a declared length over the limit is answered `413 Payload Too
/// Large` unread; a body without one is read up to the limit (these bodies are small) and
/// refused the same way when it goes on, so memory stays flat whatever is sent and the
/// handlers only ever see a complete body.
pub async fn limit_bodies(req: Request, next: Next) -> Response {
    let Some(limit) = body_limit_for(req.uri().path()) else {
        return next.run(req).await;
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => next.run(Request::from_parts(parts, bytes.into())).await,
        // Over the limit, or the client went away mid-body: either way nothing to answer.
        Err(_) => too_large(),
    }
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
}

/// Refuses state-changing requests started by another site (CSRF), by the browser's own
/// `Origin` / `Sec-Fetch-Site` headers. Together with SameSite=Lax session cookies this
/// needs no token in every form, so plain no-JavaScript forms stay simple. Pay.nl's
/// server-to-server calls send neither header and are verified by signature instead.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers()) {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site" || site == "same-site";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            !origin_host.eq_ignore_ascii_case(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Files served as they are from the site folder (the WASM bundle, its JS and CSS, the
/// icons): the same for everybody, so they may be cached. Everything else may carry
/// personal data.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/favicon.svg" | "/logo.svg")
}

/// The policy of a response that set none (server-function answers, redirects, API and
/// static files): it may not load anything or be framed. Pages set their own, with the
/// nonce of their scripts (`app::ssr::page_policy`).
const FALLBACK_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The browser features the portal never uses, switched off for it and anything it embeds.
/// Only features browsers know (Chromium warns on every page about an unknown one).
const PERMISSIONS_POLICY: &str = concat!(
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), ",
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), ",
    "browsing-topics=()"
);

/// HSTS for two years once the portal is served over https (`public_url`).
const HSTS: &str = "max-age=63072000";

/// Headers every response carries (unless its handler chose its own): no sniffing, no
/// framing, no referrer to other sites, the feature and content policies, HSTS over https,
/// and `Cache-Control: no-store` on everything but the public assets, so that no shared or
/// back-button cache keeps a page, a server-function answer or a HEAD of either.
pub async fn response_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let asset = is_public_asset(req.uri().path());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, FALLBACK_CSP),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if state.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if !asset && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Pages behind sign-in. Their server functions check the session themselves; this gate
/// makes a plain page load without a live session a redirect to sign-in rather than an
/// empty page.
const PROTECTED_PAGES: &[&str] = &["/dossier"];

/// Which part of a dossier a page under `/dossier` shows (`domain::access`): a session that
/// does not reach it is sent elsewhere before the page renders.
fn area_of(path: &str) -> domain::Area {
    use domain::Area;
    if under(path, &["/dossier/data"]) {
        Area::PersonalData
    } else if under(path, &["/dossier/messages", "/dossier/access"]) {
        Area::DebtorOnly
    } else if under(
        path,
        &["/dossier/plan", "/dossier/later", "/dossier/disputes"],
    ) {
        Area::Arrangements
    } else {
        Area::Overview
    }
}

fn under(path: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

pub async fn require_session_for_pages(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let protected = req.method() == Method::GET && under(&path, PROTECTED_PAGES);
    if protected {
        let services = &state.services;
        let live = app::ssr::session::current(
            &services.store,
            req.headers(),
            &services.settings,
            chrono::Utc::now(),
        )
        .await;
        match live {
            // Handed on so the page's server functions need not look it up again. A staff
            // session is no debtor session, whichever cookie carries it.
            Ok(Some(current)) => {
                if !current.reaches(area_of(&path)) {
                    if current.holder == domain::Holder::PayOnly {
                        return needs_secret(services, &current).await;
                    }
                    // A counsellor asking for what the debtor did not share: the overview.
                    return axum::response::Redirect::to("/dossier").into_response();
                }
                let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
                app::ssr::audit_counsellor(services, &current, "counsellor.viewed", &path, ip)
                    .await;
                req.extensions_mut().insert(current);
            }
            Ok(None) => {
                // A counsellor whose grant ended (or who chose no dossier) goes to their list.
                let counsellor = app::ssr::counsellor::current(
                    &services.store,
                    req.headers(),
                    &services.settings,
                    chrono::Utc::now(),
                )
                .await
                .ok()
                .flatten();
                let to = if counsellor.is_some() {
                    "/counsellor/dossiers"
                } else {
                    "/"
                };
                return axum::response::Redirect::to(to).into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    // No caching: `response_headers` marks every response but the public assets no-store.
    next.run(req).await
}

/// The back office: every page under `/staff/` needs a staff session (the `dp_staff` cookie
/// holding a session of kind Staff), else it redirects to the staff sign-in at `/staff`; a
/// staff member already signed in who opens `/staff` goes straight to the queue.
pub async fn require_staff_for_pages(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let sign_in_page = path == "/staff";
    // The second factor comes before the staff session (its own cookie carries the step).
    let protected = path.starts_with("/staff/") && path != "/staff/two-factor";
    if req.method() == Method::GET && (sign_in_page || protected) {
        let services = &state.services;
        let live = app::ssr::staff::current(
            &services.store,
            req.headers(),
            &services.settings,
            chrono::Utc::now(),
        )
        .await;
        match live {
            Ok(Some(_)) if sign_in_page => {
                return axum::response::Redirect::to("/staff/corrections").into_response();
            }
            Ok(Some(current)) => {
                req.extensions_mut().insert(current);
            }
            Ok(None) if protected => {
                return axum::response::Redirect::to("/staff").into_response();
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "staff session lookup failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    // No caching: `response_headers` marks every response but the public assets no-store.
    next.run(req).await
}

/// Sends a pay-only session to sign-in with its dossier number filled in.
async fn needs_secret(
    services: &app::ssr::Services,
    current: &app::ssr::session::Current,
) -> Response {
    let number = match &current.session.dossier_id {
        Some(id) => services
            .store
            .dossier(id)
            .await
            .ok()
            .flatten()
            .map(|d| d.number),
        None => None,
    };
    let target = match number {
        Some(n) => format!("/?need=secret&dossier={n}"),
        None => "/?need=secret".to_owned(),
    };
    axum::response::Redirect::to(&target).into_response()
}

#[cfg(test)]
mod tests {
    use super::{forwarded_client, is_cross_site};
    use http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn the_client_address_is_read_from_the_right_of_x_forwarded_for() {
        let h = |v: &'static str| headers(&[("x-forwarded-for", v)]);
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().expect("ip"));
        // The client wrote 1.1.1.1; the load balancer appended what it saw.
        assert_eq!(
            forwarded_client(&h("1.1.1.1, 203.0.113.9"), 1),
            ip("203.0.113.9")
        );
        // A CDN and a load balancer: the CDN's entry is the client.
        assert_eq!(
            forwarded_client(&h("1.1.1.1, 203.0.113.9, 198.51.100.2"), 2),
            ip("203.0.113.9")
        );
        assert_eq!(forwarded_client(&h("203.0.113.9"), 2), ip("203.0.113.9"));
        assert_eq!(forwarded_client(&h("2001:db8::1"), 1), ip("2001:db8::1"));
        assert_eq!(forwarded_client(&h("1.1.1.1, junk"), 1), None);
        assert_eq!(forwarded_client(&h("203.0.113.9"), 0), None);
        assert_eq!(forwarded_client(&headers(&[]), 1), None);
        let mut two = HeaderMap::new();
        two.append("x-forwarded-for", "1.1.1.1".parse().expect("header"));
        two.append("x-forwarded-for", "203.0.113.9".parse().expect("header"));
        assert_eq!(forwarded_client(&two, 1), ip("203.0.113.9"));
    }

    #[test]
    fn writes_from_other_sites_are_refused() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "portal.example")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "portal.example")
        ])));
    }

    #[test]
    fn own_writes_and_server_calls_pass() {
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[("host", "portal.example")])));
    }
}
