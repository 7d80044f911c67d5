//! The portal's HTTP server: configuration, the axum router around the Leptos app, and
//! the small routes that are not pages (health, language switch).

pub mod config;
mod lang;

use app::{App, shell};
use axum::{Json, Router, extract::FromRef, routing::get};
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

pub use config::Config;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
}

/// The version reported by `/healthz` (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the complete router: pages, server functions, static files and API routes.
pub fn router(config: &Config) -> Router {
    let leptos = config.leptos_options();
    let state = AppState {
        leptos: leptos.clone(),
    };
    let routes = generate_route_list(App);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/lang/{code}", get(lang::switch))
        .leptos_routes(&state, routes, {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(security_headers())
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": VERSION }))
}

/// Headers every response carries. The CSP allows only our own scripts plus the inline
/// hydration bootstrap Leptos writes into each page.
fn security_headers() -> tower::layer::util::Stack<
    SetResponseHeaderLayer<http::HeaderValue>,
    tower::layer::util::Stack<
        SetResponseHeaderLayer<http::HeaderValue>,
        SetResponseHeaderLayer<http::HeaderValue>,
    >,
> {
    use http::{HeaderValue, header};
    tower::layer::util::Stack::new(
        SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        tower::layer::util::Stack::new(
            SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
            SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ),
        ),
    )
}
