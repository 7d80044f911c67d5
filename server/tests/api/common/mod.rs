//! Test helper: the real server on a free port with a fresh database.

use chrono::Utc;
use clap::Parser;
use domain::{CorrectionId, CreditorId, DossierId};
use server::ConfigArgs;
use store::{DossierStatus, InterestKind, NewCreditor, NewDossier, Store};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

/// The QR-link key the test servers use (32 bytes of 0x07, base64).
pub const TEST_LINK_KEYS: &str = "t1:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// The keyring a letter run would use against the test servers.
pub fn links() -> auth::LinkKeyring {
    auth::LinkKeyring::from_config("t1", TEST_LINK_KEYS).expect("keys")
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub services: app::ssr::Services,
    pub db_url: String,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// Serves the portal on 127.0.0.1:0 with a fresh SQLite database in the background.
pub async fn start() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = format!("sqlite://{}", dir.path().join("portal.db").display());
    start_on(&db_url, std::sync::Arc::new(dir)).await
}

/// A second server process on the same database as `other` (as behind a load balancer).
pub async fn start_beside(other: &TestApp) -> TestApp {
    start_on(&other.db_url, other._dir.clone()).await
}

/// A server on the database at `url` (e.g. a `store::testing::PgDatabase`).
pub async fn start_with_database(url: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    start_on(url, std::sync::Arc::new(dir)).await
}

/// A server on a fresh SQLite database with extra command-line flags.
pub async fn start_with_flags(flags: &[&str]) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = format!("sqlite://{}", dir.path().join("portal.db").display());
    start_with(&db_url, std::sync::Arc::new(dir), flags).await
}

async fn start_on(db_url: &str, dir: std::sync::Arc<tempfile::TempDir>) -> TestApp {
    start_with(db_url, dir, &[]).await
}

async fn start_with(
    db_url: &str,
    dir: std::sync::Arc<tempfile::TempDir>,
    flags: &[&str],
) -> TestApp {
    let base = [
        "test",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        db_url,
        "--link-keys",
        TEST_LINK_KEYS,
        "--paynl-sandbox",
    ];
    let config = Args::parse_from(base.iter().chain(flags))
        .config
        .load()
        .expect("config");
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let services = server::services(&config, addr).await.expect("services");
    let store = services.store.clone();
    let router = server::router(&config, services.clone());
    tokio::spawn(async move { server::serve(listener, router, std::future::pending()).await });
    TestApp {
        base: format!("http://{addr}"),
        store,
        services,
        db_url: db_url.to_owned(),
        _dir: dir,
    }
}

/// A client that does not follow redirects and keeps no cookies (tests pass them by hand).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // A stalled response fails the test instead of hanging the run.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Creates a dossier whose letter secret is `secret`; returns its id.
pub async fn dossier_with_secret(store: &Store, number: &str, secret: &str) -> DossierId {
    let now = Utc::now();
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("webshop"),
                name: "Webwinkel B.V.".into(),
                kvk: None,
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: true,
                interest_kind: InterestKind::Consumer,
            },
            now,
        )
        .await
        .expect("creditor");
    let dossier = store
        .upsert_dossier(
            &NewDossier {
                number: number.into(),
                creditor_id: CreditorId::new("webshop"),
                status: DossierStatus::Open,
            },
            now,
        )
        .await
        .expect("dossier")
        .into_inner();
    // Cheap parameters: these tests are about the flow, not the hash cost.
    let hasher = auth::SecretHasher::new(auth::HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    })
    .expect("hasher");
    let canonical: domain::Secret = secret.parse().expect("secret");
    let hash = hasher.hash(canonical.expose()).expect("hash");
    store
        .set_dossier_secret(&dossier.id, &hash, now)
        .await
        .expect("secret");
    dossier.id
}

/// Posts the sign-in form the way a browser without JavaScript does.
pub async fn sign_in_form(app: &TestApp, dossier: &str, secret: &str) -> reqwest::Response {
    client()
        .post(format!("{}/api/sign_in", app.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/", app.base))
        .form(&[("dossier", dossier), ("secret", secret)])
        .send()
        .await
        .expect("sign in")
}

/// The `name=value` part of the session cookie a response sets.
pub fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    set_cookie(resp, "dp_session")
}

/// The `name=value` part of the cookie `name` a response sets (not a removal).
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix) && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// GETs a redirect target (absolute or site-relative) and returns the page's HTML.
pub async fn follow(app: &TestApp, location: &str) -> String {
    let url = if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("{}{location}", app.base)
    };
    client()
        .get(url)
        .send()
        .await
        .expect("follow")
        .text()
        .await
        .expect("body")
}

/// The server-function error a no-JavaScript redirect carries in its `__err` parameter.
pub fn error_in(location: &str) -> serde_json::Value {
    use base64::Engine;
    let url = reqwest::Url::parse("http://x/")
        .expect("base")
        .join(location)
        .expect("url");
    let encoded = url
        .query_pairs()
        .find(|(k, _)| k == "__err")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no __err in {location}"));
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    serde_json::from_slice(&json).expect("json")
}

/// Calls the `claim_overview` server function, with the session cookie when given.
pub async fn summary(app: &TestApp, cookie: Option<&str>) -> reqwest::Response {
    let mut req = client().post(format!("{}/api/claim_overview", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("summary")
}

/// The actions in the audit log of the dossier with this number, newest first.
pub async fn audit_actions(app: &TestApp, number: &str) -> Vec<String> {
    let id = app
        .store
        .dossier_by_number(number)
        .await
        .expect("db")
        .expect("dossier")
        .id;
    let events = app.store.audit_for_dossier(&id, 100).await.expect("audit");
    events.into_iter().map(|e| e.action).collect()
}

/// Seeds the demo dossiers and signs in to the one with this number; returns the session
/// cookie and the dossier id.
pub async fn demo_session(app: &TestApp, number: &str) -> (String, DossierId) {
    let logins = import::seed_demo(
        &app.services.books,
        &app.services.hasher,
        Utc::now().date_naive(),
    )
    .await
    .expect("demo");
    let login = logins
        .iter()
        .find(|l| l.dossier_number.to_string() == number)
        .expect("demo login");
    let resp = sign_in_form(app, number, &login.secret).await;
    let cookie = session_cookie(&resp).expect("signed in");
    let id = app
        .store
        .dossier_by_number(number)
        .await
        .expect("db")
        .expect("dossier")
        .id;
    (cookie, id)
}

/// Calls a server function at `/api/{endpoint}` with the session cookie and form fields, as
/// the hydrated page does; returns the status and the JSON body (or `Null`).
pub async fn call(
    app: &TestApp,
    endpoint: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let resp = server_fn(app, endpoint, Some(cookie), form).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// GETs a page with the session cookie; returns the response (redirects not followed).
pub async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    get_page(app, path, Some(cookie)).await
}

// ---------------------------------------------------------------------------------------------
// Staff back office

/// Adds a staff agent with `password` (hashed cheaply: these tests are about the flow).
pub async fn staff_user(store: &Store, username: &str, password: &str) {
    staff_user_as(store, username, password, store::StaffRole::Agent).await;
}

/// The authenticator key every test staff user is enrolled with.
pub const TEST_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Their recovery codes.
pub fn test_recovery_codes() -> Vec<String> {
    (0..10).map(|i| format!("TESTR-ECOV{i}")).collect()
}

/// Adds a staff user with `role`, enrolled for the second factor with [`TEST_TOTP`] and
/// [`test_recovery_codes`].
pub async fn staff_user_as(store: &Store, username: &str, password: &str, role: store::StaffRole) {
    let hasher = auth::SecretHasher::new(auth::HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    })
    .expect("hasher");
    server::staff::add_user(store, &hasher, username, role, password)
        .await
        .expect("staff user");
    let hashes: Vec<String> = test_recovery_codes()
        .iter()
        .map(|c| auth::totp::recovery_hash(c))
        .collect();
    store
        .enrol_staff_totp(username, TEST_TOTP, 0, &hashes)
        .await
        .expect("enrol");
}

/// The `name=value` part of the challenge cookie the password step sets.
pub fn challenge_cookie(resp: &reqwest::Response) -> Option<String> {
    set_cookie(resp, "dp_staff_2fa")
}

/// Posts the second-factor form with `code` as a browser without JavaScript does.
pub async fn two_factor_form(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    client()
        .post(format!("{}/api/staff_two_factor", app.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/staff/two-factor", app.base))
        .header("cookie", challenge)
        .form(&[("code", code)])
        .send()
        .await
        .expect("two factor")
}

/// Completes the second factor of a test staff user: the app's current code, else the next
/// one (a code is accepted once, and a test may sign in twice within 30 s), else a recovery
/// code. Returns the staff cookie.
pub async fn complete_two_factor(app: &TestApp, challenge: &str) -> String {
    let secret = auth::totp::TotpSecret::from_base32(TEST_TOTP).expect("secret");
    let now = Utc::now();
    let candidates = [
        secret.code_at(now),
        secret.code_at(now + chrono::Duration::seconds(30)),
    ]
    .into_iter()
    .chain(test_recovery_codes());
    for code in candidates {
        if let Some(cookie) = staff_cookie(&two_factor_form(app, challenge, &code).await) {
            return cookie;
        }
    }
    panic!("no second factor accepted")
}

/// Posts the staff sign-in form the way a browser without JavaScript does.
pub async fn staff_sign_in_form(
    app: &TestApp,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/api/staff_sign_in", app.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/staff", app.base))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("staff sign in")
}

/// The `name=value` part of the staff cookie a response sets.
pub fn staff_cookie(resp: &reqwest::Response) -> Option<String> {
    set_cookie(resp, "dp_staff")
}

/// Signs `username` in (password, then the second factor) and returns the staff cookie.
pub async fn staff_session(app: &TestApp, username: &str, password: &str) -> String {
    let challenge =
        challenge_cookie(&staff_sign_in_form(app, username, password).await).expect("password");
    complete_two_factor(app, &challenge).await
}

/// Posts a form to a server function as a browser without JavaScript does, from `page`.
pub async fn form_post(
    app: &TestApp,
    endpoint: &str,
    cookie: Option<&str>,
    page: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = client()
        .post(format!("{}/api/{endpoint}", app.base))
        .header("accept", "text/html")
        .header("referer", format!("{}{page}", app.base))
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("form post")
}

/// Calls a server function as the hydrated page does (form-encoded in, JSON out).
pub async fn server_fn(
    app: &TestApp,
    endpoint: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = client()
        .post(format!("{}/api/{endpoint}", app.base))
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("server function")
}

/// GETs a page (absolute or site-relative) with a cookie, not following redirects.
pub async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", app.base)
    };
    let mut req = client().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("page")
}

/// The `Location` header of a response.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// An audit event as the staff tests look at it.
#[derive(Debug, Clone)]
pub struct StaffEvent {
    pub action: String,
    pub actor_id: Option<String>,
    pub dossier_id: Option<DossierId>,
    pub client_ip: Option<String>,
    pub detail: serde_json::Value,
}

/// Every audit event written by staff, oldest first.
pub async fn staff_audit(app: &TestApp) -> Vec<StaffEvent> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT action, actor_id, dossier_id, client_ip, detail FROM audit_event \
         WHERE actor_kind = 'staff' ORDER BY id",
    )
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    rows.iter()
        .map(|r| StaffEvent {
            action: r.get("action"),
            actor_id: r.get("actor_id"),
            dossier_id: r.get::<Option<String>, _>("dossier_id").map(DossierId::new),
            client_ip: r.get("client_ip"),
            detail: serde_json::from_str(&r.get::<String, _>("detail")).expect("detail"),
        })
        .collect()
}

/// A dossier with a debtor (email `old@example.nl`); returns its id.
pub async fn dossier_with_debtor(store: &Store, number: &str) -> DossierId {
    let id = dossier_with_secret(store, number, "ABCD-EFGH-JKMN").await;
    let details = store::DebtorDetails {
        email: Some("old@example.nl".into()),
        city: Some("Utrecht".into()),
        ..store::DebtorDetails::named(store::DebtorKind::Person, "J. Jansen")
    };
    store
        .set_debtor(&id, &details, &CreditorId::new("webshop"), Utc::now())
        .await
        .expect("debtor");
    id
}

/// A submitted request to change the debtor's email, made `days_ago` days ago with the
/// usual one-month deadline; returns its id.
pub async fn email_correction(
    store: &Store,
    dossier_id: &DossierId,
    days_ago: i64,
    proposed: &str,
) -> CorrectionId {
    correction_of(
        store,
        dossier_id,
        store::DebtorField::Email,
        days_ago,
        proposed,
    )
    .await
}

/// A submitted request to change `field` of the debtor, as [`email_correction`].
pub async fn correction_of(
    store: &Store,
    dossier_id: &DossierId,
    field: store::DebtorField,
    days_ago: i64,
    proposed: &str,
) -> CorrectionId {
    let created_at = Utc::now() - chrono::Duration::days(days_ago);
    let current_value = match field {
        store::DebtorField::Email => Some("old@example.nl".into()),
        store::DebtorField::City => Some("Utrecht".into()),
        _ => None,
    };
    store
        .create_correction(&store::NewCorrection {
            dossier_id: dossier_id.clone(),
            field,
            current_value,
            proposed_value: proposed.into(),
            reason: "Old address no longer in use".into(),
            created_at,
            due_at: app::ssr::staff::due_after(created_at),
        })
        .await
        .expect("correction")
        .id
}
