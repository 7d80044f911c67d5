//! The language switch for browsers without JavaScript: store the choice, go back.

use axum::{
    extract::{Path, Query},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// The cookie leptos_i18n reads on the server and writes in the browser.
const LOCALE_COOKIE: &str = "i18n_pref_locale";

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{code}?back=/path`: sets the locale cookie and redirects to `back`, which must
/// be a path on this site (anything else would make us an open redirect).
pub async fn switch(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let Some(code) = ["nl", "en"].into_iter().find(|c| *c == code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = q
        .back
        .as_deref()
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!("{LOCALE_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut resp = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// `back` as a path on this site, or `None`. Read the way a browser reads a `Location`
/// (the WHATWG URL parser: tabs and newlines dropped, `\` as `/`, `%2F` left encoded)
/// against a placeholder origin; only a result on that origin counts, and the answer is
/// rebuilt from its path and query alone, never from the text as sent. A path that would
/// still start with `//` (e.g. from `/.//host`) is refused: a browser reads it as a host.
fn same_site_path(back: &str) -> Option<String> {
    const HERE: &str = "https://portal.invalid/";
    let base = url::Url::parse(HERE).expect("a fixed URL parses");
    if !back.starts_with('/') {
        return None;
    }
    let target = base.join(back).ok()?;
    if target.origin() != base.origin() {
        return None;
    }
    let path = target.path();
    if path.starts_with("//") || path.starts_with("/\\") {
        return None;
    }
    Some(match target.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::same_site_path;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(same_site_path("/").as_deref(), Some("/"));
        assert_eq!(
            same_site_path("/dossier?x=1").as_deref(),
            Some("/dossier?x=1")
        );
        assert_eq!(
            same_site_path("/dossier/plan").as_deref(),
            Some("/dossier/plan")
        );
    }

    #[test]
    fn known_open_redirect_tricks_are_refused() {
        for trick in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\t\t/evil.example",
            "\\/evil.example",
            "/\\/evil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "///evil.example",
            "javascript:alert(1)",
            " //evil.example",
            "",
        ] {
            let got = same_site_path(trick);
            assert!(
                got.as_deref().is_none_or(|p| p.starts_with('/')
                    && !p.starts_with("//")
                    && !p.contains('\\')
                    && !p.contains(['\t', '\r', '\n'])),
                "{trick:?} gave {got:?}"
            );
        }
        // The tab trick from the pentest is the one a browser would follow off-site.
        assert_eq!(same_site_path("/\t/evil.example"), None);
        assert_eq!(
            same_site_path("/%2F/evil.example").as_deref(),
            Some("/%2F/evil.example")
        );
    }
}
