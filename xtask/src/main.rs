//! The project's two commands:
//!
//! - `cargo xtask run`: install what is missing, build the site, serve the portal.
//! - `cargo xtask test`: install what is missing, then every check CI runs.
//!
//! Installs are idempotent and silent when nothing is missing; every tool is pinned.

mod tools;

use anyhow::{Context, Result, bail};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo xtask <run|test|soak|install> [args]

  run [-- ARGS]   build the site and serve the portal (ARGS go to the server)
  test            fmt, clippy (ssr + hydrate), all Rust tests, release build, Playwright
  soak            the long fault runs (a portal SIGKILLed mid-storm), SQLite and PostgreSQL
  install         only install the pinned tools that are missing";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.filter(|a| a != "--").collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match command.as_str() {
        "run" => run(&root, &rest),
        "test" => test(&root),
        "soak" => soak(),
        "install" => tools::ensure_all(&root, true),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2)
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `cargo xtask run`: build the release site and serve it with the embedded database.
fn run(root: &Path, server_args: &[String]) -> Result<()> {
    tools::ensure_all(root, false)?;
    step("build the site (release)", || {
        cargo_leptos(root, &["build", "--release"])
    })?;
    std::fs::create_dir_all(root.join("data"))?;
    let link_keys = dev_link_key(root)?;
    let mut cmd = Command::new(root.join("target/release/debiteurportaal"));
    cmd.arg("--demo")
        .args(server_args)
        .env("PORTAL_SITE_ROOT", root.join("target/site"))
        .env("PORTAL_LINK_KEYS", link_keys)
        .env("PATH", tools::path_with_node_bin(root));
    if std::env::var_os("DATABASE_URL").is_none() {
        cmd.env("DATABASE_URL", "sqlite://data/portal.db");
    }
    // No Pay.nl account configured: pay through the built-in simulator.
    if std::env::var_os("PORTAL_PAYNL_TOKEN_CODE").is_none() {
        cmd.env("PORTAL_PAYNL_SANDBOX", "true");
    }
    let status = cmd.status().context("start the portal")?;
    if !status.success() {
        bail!("the portal stopped with {status}");
    }
    Ok(())
}

/// The local development key for QR links, made on first start and kept in `data/` so
/// printed demo links keep working across restarts.
fn dev_link_key(root: &Path) -> Result<String> {
    if let Ok(keys) = std::env::var("PORTAL_LINK_KEYS") {
        return Ok(keys);
    }
    let path = root.join("data/dev-link-keys");
    if let Ok(keys) = std::fs::read_to_string(&path) {
        return Ok(keys.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    let keys = format!(
        "dev:{}",
        base64::engine::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
    );
    std::fs::write(&path, &keys)?;
    println!(
        "==> made a development key for QR links in {} (not for production)",
        path.display()
    );
    Ok(keys)
}

/// `cargo xtask test`: everything CI checks, stopping at the first failure.
fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    tools::ensure_all(root, true)?;
    let pg = test_database_url();
    step("cargo fmt --check", || cargo(&["fmt", "--all", "--check"]))?;
    step("clippy (server side, ssr)", || {
        cargo(&[
            "clippy",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("clippy (browser side, hydrate, wasm32)", || {
        cargo(&[
            "clippy",
            "-p",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("Rust tests (SQLite and PostgreSQL)", || {
        cargo_env(
            &["test", "--workspace", "--exclude", "frontend"],
            &[("TEST_DATABASE_URL", pg.as_str())],
        )
    })?;
    step("release build of the site", || {
        cargo_leptos(root, &["build", "--release"])
    })?;
    step("end-to-end tests (Playwright, headless Chromium)", || {
        end2end(root)
    })?;
    println!(
        "\nall checks passed in {}",
        format_duration(started.elapsed())
    );
    Ok(())
}

/// PostgreSQL-backed tests use the local server unless told otherwise; in CI a missing
/// server makes them fail rather than skip.
fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `cargo xtask soak`: the fault tests too long for every CI run (ignored by `cargo test`),
/// one at a time so their timings are not distorted by each other. Under 10 minutes on 2
/// cores once built.
fn soak() -> Result<()> {
    let started = Instant::now();
    let pg = test_database_url();
    step(
        "soak: a portal killed mid-storm (SQLite and PostgreSQL)",
        || {
            cargo_env(
                &[
                    "test",
                    "-p",
                    "server",
                    "--test",
                    "api",
                    "--",
                    "faults::",
                    "--ignored",
                    "--test-threads=1",
                    "--nocapture",
                ],
                &[("TEST_DATABASE_URL", pg.as_str())],
            )
        },
    )?;
    println!("\nsoak passed in {}", format_duration(started.elapsed()));
    Ok(())
}

/// Starts the release server on a free port with a fresh database and runs Playwright
/// against it.
fn end2end(root: &Path) -> Result<()> {
    let port = free_port()?;
    let data = root.join("target/e2e");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let base = format!("http://127.0.0.1:{port}");
    let binary = root.join("target/release/debiteurportaal");
    let database = format!("sqlite://{}", data.join("portal.db").display());
    // A throwaway key, shared by the server and the letter run below.
    let link_keys = format!("e2e:{}", "ZTJlLWxpbmsta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiEh");
    let portal = |cmd: &mut Command| {
        cmd.env("PORTAL_ADDR", format!("127.0.0.1:{port}"))
            .env("PORTAL_PUBLIC_URL", &base)
            .env("PORTAL_SITE_ROOT", root.join("target/site"))
            .env("PORTAL_LINK_KEYS", &link_keys)
            .env("PORTAL_PAYNL_SANDBOX", "true")
            .env("PORTAL_MAIL_FOLDER", data.join("mail"))
            .env("DATABASE_URL", &database)
            .env("RUST_LOG", "warn");
    };
    let mut cmd = Command::new(&binary);
    portal(cmd.arg("--demo"));
    let server = cmd.spawn().context("start the release server")?;
    let mut server = KillOnDrop(server);
    wait_for_port(port, Duration::from_secs(30), &mut server.0)?;
    // The letter run, as the agency makes it: Playwright opens a printed QR link.
    let letters = data.join("letters");
    let numbers = data.join("letter-dossiers.txt");
    std::fs::write(&numbers, "ISB-2000-000001\nISB-2000-000003\n")?;
    let mut cmd = Command::new(&binary);
    portal(
        cmd.arg("letters")
            .arg("--dossiers")
            .arg(&numbers)
            .arg("--out")
            .arg(&letters),
    );
    let made = cmd.stdout(std::process::Stdio::null()).status()?;
    if !made.success() {
        bail!("the letter run for the end-to-end tests failed");
    }
    // Dossiers of their own for the specs that change a dossier's arrangements (a deferral,
    // a plan), imported as a creditor's file is; their codes go to Playwright.
    let secrets = data.join("e2e-secrets.csv");
    let mut cmd = Command::new(&binary);
    portal(
        cmd.arg("import")
            .arg(root.join("end2end/fixtures/dossiers.csv"))
            .arg("--secrets-out")
            .arg(&secrets),
    );
    let imported = cmd.stdout(std::process::Stdio::null()).status()?;
    if !imported.success() {
        bail!("importing the end-to-end dossiers failed");
    }
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(root.join("end2end"))
        .env("BASE_URL", &base)
        .env("E2E_LETTERS_CSV", letters.join("letters.csv"))
        .env("E2E_SECRETS_CSV", &secrets)
        .env("PATH", tools::path_with_node_bin(root))
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .status()
        .context("run Playwright")?;
    if !status.success() {
        bail!("Playwright tests failed (report: end2end/test-results)");
    }
    Ok(())
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn wait_for_port(port: u16, timeout: Duration, child: &mut Child) -> Result<()> {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited early with {status}");
        }
        // The socket is bound before the demo data is seeded: wait for an HTTP answer,
        // which comes only once the server is serving.
        if answers_http(port) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the server did not answer on port {port} within {timeout:?}")
}

/// Runs one named step, printing its name and how long it took.
fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("==> {name}");
    let t = Instant::now();
    f().with_context(|| format!("step failed: {name}"))?;
    println!("    ok ({})", format_duration(t.elapsed()));
    Ok(())
}

fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn cargo(args: &[&str]) -> Result<()> {
    cargo_env(args, &[])
}

fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()?;
    if !status.success() {
        bail!("cargo {} failed with {status}", args.join(" "));
    }
    Ok(())
}

fn cargo_leptos(root: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("cargo")
        .arg("leptos")
        .args(args)
        .env("PATH", tools::path_with_node_bin(root))
        .status()
        .context("run cargo-leptos")?;
    if !status.success() {
        bail!("cargo leptos {} failed with {status}", args.join(" "));
    }
    Ok(())
}
