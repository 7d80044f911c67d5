//! The portal's HTTP server: configuration, the axum router around the Leptos app, and
//! the routes that are not pages (health, language switch).

mod budget;
pub mod config;
mod data_export;
mod disputes;
pub mod housekeeping;
mod jobs;
mod lang;
pub mod letters;
pub mod mail_job;
pub mod metrics;
mod middleware;
mod paying;
pub mod private_files;
mod qr;
pub mod retention;
pub mod staff;
mod trust;
mod uploads;

use anyhow::Context;
use app::ssr::{Services, Settings};
use app::{App, shell};
use axum::{Json, Router, extract::FromRef, routing::get};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

pub use config::{Config, ConfigArgs};
use secrecy::ExposeSecret;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub services: Services,
    /// The trusted X-Forwarded-For hops (0: the header is ignored).
    pub proxy_hops: u8,
    /// Served over https (the public URL says so): send HSTS.
    pub https: bool,
    /// The process's metrics and the token `/metrics` asks for.
    pub metrics: metrics::MetricsState,
}

/// The version reported by `/healthz` (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Connects the database (running migrations) and builds the services for `config`;
/// `bound` is the address actually listened on (for default URLs and cookie flags).
pub async fn services(config: &Config, bound: SocketAddr) -> anyhow::Result<Services> {
    let store = store::Store::connect(config.database_url())
        .await
        .with_context(|| format!("open the database {}", config.database_for_display()))?;
    let hasher = auth::SecretHasher::new(auth::HashParams::default())?;
    let links = match &config.link_keys {
        Some(keys) => {
            let keys = keys.expose_secret();
            let current = match &config.link_key_current {
                Some(c) => c.clone(),
                None => keys.split(':').next().unwrap_or_default().to_owned(),
            };
            auth::LinkKeyring::from_config(&current, keys).context("link_keys")?
        }
        None => {
            tracing::warn!("no PORTAL_LINK_KEYS: QR links made now stop working on restart");
            auth::LinkKeyring::from_config(
                "dev",
                &format!("dev:{}", auth::qr_link::generate_key()),
            )?
        }
    };
    let (idle_timeout, absolute_timeout) = config.session_timeouts();
    let settings = Settings {
        secure_cookies: config.secure_cookies(bound),
        idle_timeout,
        absolute_timeout,
    };
    let books = booking::Books::new(store.clone());
    let (payments, paynl_sandbox) =
        paying::payment_service(config, &config.public_url(bound), &books).await?;
    let plans = match &payments {
        Some(p) => Some(
            plans::PlanService::new(store.clone(), config.plans.clone(), p.clone())
                .context("[plans] configuration")?,
        ),
        None => None,
    };
    Ok(Services {
        plans,
        store,
        books,
        payment_rules: config.payment_rules(),
        hasher: Arc::new(hasher),
        links: Arc::new(links),
        settings: Arc::new(settings),
        agency: Arc::new(
            config
                .agency
                .clone()
                .with_default_domains(&config.public_url(bound)),
        ),
        payments,
        paynl_sandbox,
        letterhead: Arc::new(mail_job::letterhead(
            &config.agency,
            &config.public_url(bound),
        )),
        mail_folder: config
            .mail_smtp_url
            .is_none()
            .then(|| config.mail_folder.clone()),
    })
}

/// The app's routes, generated once per process. Leptos suppresses resource loading for the
/// whole process while it generates them, so a page rendering at that moment (another server
/// in the same process: the test suite starts many) would wait forever
/// (leptos-rs/leptos#4773). Generated before the first server serves, they never overlap.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the complete router: pages, server functions, static files and API routes.
pub fn router(config: &Config, services: Services) -> Router {
    let leptos = config.leptos_options();
    let state = AppState {
        leptos: leptos.clone(),
        services: services.clone(),
        https: config
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        proxy_hops: if config.trust_proxy {
            config.proxy_hops
        } else {
            0
        },
        metrics: metrics::MetricsState::new(config.metrics_token.clone()),
    };
    let routes = route_list();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::serve))
        .route("/lang/{code}", get(lang::switch))
        .route(
            "/p/{dossier}/{expiry}/{sig}",
            get(qr::open_link).post(qr::confirm_link),
        )
        .route(
            "/api/paynl/exchange",
            axum::routing::post(paying::exchange).get(paying::exchange),
        )
        .route("/dossier/data/export.json", get(data_export::download))
        .route("/demo/mail", get(mail_job::demo_page))
        .route("/dossier/disputes", axum::routing::post(disputes::file))
        .route(
            "/dossier/disputes/file/{id}",
            get(disputes::debtor_download),
        )
        .route("/staff/disputes/file/{id}", get(disputes::staff_download))
        .route("/dossier/plan/budget", axum::routing::post(budget::submit))
        .route(
            "/dossier/plan/budget/file/{id}",
            get(budget::debtor_download),
        )
        .route("/staff/plans/file/{id}", get(budget::staff_download))
        .route("/check", axum::routing::post(trust::check))
        .leptos_routes_with_context(&state, routes, move || provide_context(services.clone()), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_ip,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::require_session_for_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::require_staff_for_pages,
        ))
        .layer(axum::middleware::from_fn(middleware::same_origin_writes))
        .layer(axum::middleware::from_fn(middleware::limit_bodies))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::response_headers,
        ))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Starts the background jobs of a serving process (housekeeping, retention, the payment
/// reconciler, the plan job).
/// Every instance starts them; a lease in the database lets one instance work at a time.
pub fn spawn_jobs(config: &Config, services: &Services) {
    {
        let store = services.store.clone();
        let retention = config.housekeeping();
        jobs::spawn_leased(
            services.store.clone(),
            metrics::job::HOUSEKEEPING,
            housekeeping::LEASE,
            std::time::Duration::from_secs(60 * 60),
            // A sweep is a handful of deletes.
            chrono::Duration::minutes(10),
            move |now| {
                let store = store.clone();
                async move {
                    housekeeping::round(&store, retention, now)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
            },
        );
    }
    {
        let store = services.store.clone();
        let policy = config.retention_policy();
        jobs::spawn_leased(
            services.store.clone(),
            metrics::job::RETENTION,
            retention::LEASE,
            std::time::Duration::from_secs(6 * 60 * 60),
            chrono::Duration::hours(1),
            move |now| {
                let store = store.clone();
                async move {
                    retention::run(&store, policy, claim::dutch_date(now), now)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
            },
        );
    }
    match mail_job::mailer(config, services) {
        Ok(mailer) => {
            mail_job::spawn(services.store.clone(), mailer);
            mail_job::spawn_planner(services.store.clone(), config.mail_reminder_days);
        }
        Err(e) => tracing::error!(error = %e, "mail is not sent: its settings do not work"),
    }
    if let Some(payments) = &services.payments {
        let interval = std::time::Duration::from_secs(config.reconcile_interval_seconds.into());
        let paid_window = chrono::Duration::days(config.reconcile_paid_days.into());
        paying::spawn_reconciler(payments, interval, paid_window);
    }
    if let Some(plans) = &services.plans {
        let job = plans::LifecycleJob::new(plans.clone(), plans::LifecycleConfig::default())
            .on_success(|_, _| {
                metrics::job_succeeded(metrics::job::PLANS_LIFECYCLE, chrono::Utc::now())
            });
        tokio::spawn(async move { job.run(std::future::pending()).await });
    }
}

/// Serves `router` on `listener` until the future `shutdown` completes, recording each
/// client's address for throttling and the audit log.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Installs the statutory interest table of `config` for this process (call once, before any
/// interest is computed) and warns when today is past the last period it covers.
pub fn use_rate_table(config: &Config) -> anyhow::Result<()> {
    let table = config.rate_table()?;
    if domain::rates::install(table).is_err() {
        anyhow::bail!("the interest rate table was already in use before it was configured");
    }
    if let Some(until) = rates_stale() {
        tracing::warn!(
            covered_until = %until,
            "the statutory interest table ends before today: interest after it uses the last \
             known rate; add the new rates (interest_rates_file)"
        );
    }
    Ok(())
}

/// The last day the interest table covers, when today is past it.
fn rates_stale() -> Option<chrono::NaiveDate> {
    domain::rates::current().stale_on(claim::dutch_date(chrono::Utc::now()))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": VERSION }))
}

/// For a load balancer: 200 when the database answers within two seconds, else 503, so an
/// instance that lost its database is taken out of rotation (and put back when it recovers).
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (http::StatusCode, Json<serde_json::Value>) {
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.services.store.ping(),
    )
    .await;
    match ping {
        // Stale rates do not take the instance out of rotation; they are reported for the
        // operator.
        Ok(Ok(())) => {
            let mut detail = serde_json::json!({ "status": "ready" });
            if let Some(until) = rates_stale() {
                detail["warnings"] = serde_json::json!([format!(
                    "the statutory interest table covers up to {until}; later interest \
                     uses the last known rate (set interest_rates_file)"
                )]);
            }
            // This instance's own: a job runs where its lease is, so another instance may
            // show a later time, or none.
            let jobs = metrics::jobs_last_success();
            if !jobs.is_empty() {
                detail["jobs_last_success"] = serde_json::json!(
                    jobs.into_iter()
                        .map(|(job, at)| (job, at.to_rfc3339()))
                        .collect::<std::collections::BTreeMap<_, _>>()
                );
            }
            (http::StatusCode::OK, Json(detail))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            (
                http::StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
        Err(_) => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database unavailable" })),
        ),
    }
}
