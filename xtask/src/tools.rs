//! Pinned tools, installed only when missing or at the wrong version.
//!
//! Why these pins: cargo-leptos 0.3.8 is the newest that builds with `--locked` on the
//! stable rustc here, and with `no_downloads` it uses the wasm-bindgen and wasm-opt we
//! provide instead of fetching them. wasm-bindgen-cli must match the `wasm-bindgen`
//! crate in Cargo.lock exactly. wasm-opt comes from npm's `binaryen` (pinned in
//! end2end/package.json) because Debian's older one silently breaks hydration.

use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

const CARGO_LEPTOS_VERSION: &str = "0.3.8";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Installs whatever is missing. `browser` adds Chromium (only the tests need it).
pub fn ensure_all(root: &Path, browser: bool) -> Result<()> {
    ensure_wasm_target()?;
    ensure_cargo_leptos()?;
    ensure_wasm_bindgen(root)?;
    ensure_npm_packages(root)?;
    if browser {
        ensure_chromium()?;
    }
    Ok(())
}

/// PATH with `end2end/node_modules/.bin` first, so cargo-leptos finds npm's wasm-opt.
pub fn path_with_node_bin(root: &Path) -> OsString {
    let mut paths = vec![root.join("end2end/node_modules/.bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("==> installing the {WASM_TARGET} target");
    run("rustup", &["target", "add", WASM_TARGET])
}

fn ensure_cargo_leptos() -> Result<()> {
    let have = output("cargo", &["leptos", "--version"]).unwrap_or_default();
    if have.split_whitespace().any(|w| w == CARGO_LEPTOS_VERSION) {
        return Ok(());
    }
    println!("==> installing cargo-leptos {CARGO_LEPTOS_VERSION} (takes ~10 minutes once)");
    run(
        "cargo",
        &[
            "install",
            "cargo-leptos",
            "--version",
            CARGO_LEPTOS_VERSION,
            "--locked",
            "--features",
            "no_downloads",
        ],
    )
}

fn ensure_wasm_bindgen(root: &Path) -> Result<()> {
    let want = locked_version(root, "wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().any(|w| w == want) {
        return Ok(());
    }
    println!("==> installing wasm-bindgen-cli {want} (matches Cargo.lock)");
    // Not --locked: the registry lacks one of its locked dependency versions.
    run(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={want}"),
        ],
    )
}

/// npm packages of end2end/ (Playwright, axe, binaryen's wasm-opt), reinstalled only
/// when package-lock.json changed since the last install.
fn ensure_npm_packages(root: &Path) -> Result<()> {
    let dir = root.join("end2end");
    let lock = std::fs::read(dir.join("package-lock.json")).context("end2end/package-lock.json")?;
    let stamp = dir.join("node_modules/.xtask-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice())
        && dir.join("node_modules/.bin/wasm-opt").exists()
    {
        return Ok(());
    }
    println!("==> installing end2end npm packages (npm ci)");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .status()
        .context("run npm (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm ci failed with {status}");
    }
    std::fs::write(stamp, lock)?;
    Ok(())
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    println!("==> installing Debian's chromium");
    let apt = |args: &[&str]| -> Result<()> {
        let is_root = output("id", &["-u"]).unwrap_or_default().trim() == "0";
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        let status = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            bail!("apt-get {} failed", args.join(" "));
        }
        Ok(())
    };
    if apt(&["install", "-y", "-q", "chromium"]).is_err() {
        apt(&["update", "-q"])?;
        apt(&["install", "-y", "-q", "chromium"])?;
    }
    Ok(())
}

/// The version of `package` in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    let needle = format!("name = \"{package}\"\n");
    let at = lock
        .find(&needle)
        .with_context(|| format!("{package} is not in Cargo.lock"))?;
    let rest = &lock[at + needle.len()..];
    rest.lines()
        .next()
        .and_then(|l| l.strip_prefix("version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .map(str::to_owned)
        .with_context(|| format!("no version for {package} in Cargo.lock"))
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run(program: &str, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed with {status}", args.join(" "));
    }
    Ok(())
}
