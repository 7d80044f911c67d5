//! `POST /check`: the "is this letter really from us?" form (`app::pages` `/check`). A plain
//! form post, so it works without JavaScript; the answer goes back to `GET /check` in a
//! short-lived HttpOnly cookie read once (never in the URL, where a fraudster's link could
//! put a "yes"), with a 303.

use crate::AppState;
use app::ssr::letter_check::CheckForm;
use app::ssr::{ClientIp, session};
use app::trust::CHECK_COOKIE;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::header;

/// How long an answer waits for the page to show it.
const ANSWER_COOKIE: &str = "; Max-Age=300";

pub async fn check(
    State(state): State<AppState>,
    ip: Option<Extension<ClientIp>>,
    body: Bytes,
) -> Response {
    let mut form = CheckForm::default();
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "dossier" => form.dossier = value.into_owned(),
            "date" => form.date = value.into_owned(),
            "amount" => form.amount = value.into_owned(),
            _ => {}
        }
    }
    let services = &state.services;
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    let result = app::ssr::letter_check::check(services, &form, ip, chrono::Utc::now()).await;
    let cookie = session::cookie_header(
        CHECK_COOKIE,
        &result.to_cookie(),
        "Lax",
        ANSWER_COOKIE,
        &services.settings,
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/check")).into_response()
}
