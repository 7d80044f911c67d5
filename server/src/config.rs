//! Runtime configuration: command-line flags with environment fallbacks.

use clap::Args;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings of a running portal.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PORTAL_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The address debtors use, for links on letters and Pay.nl return URLs
    /// (default: http://{addr}).
    #[arg(long, env = "PORTAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder with the built site (`pkg/` with JS, WASM and CSS, plus public assets).
    #[arg(long, env = "PORTAL_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Database: `sqlite://path` (embedded default) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/portal.db")]
    pub database_url: String,
    /// Keys for signing QR links: `kid:base64,kid:base64` (32 bytes or more each).
    /// Without it a random key is made at start-up and old links stop working on restart.
    #[arg(long, env = "PORTAL_LINK_KEYS", hide_env_values = true)]
    pub link_keys: Option<String>,
    /// The key id new links are signed with (default: the first in --link-keys).
    #[arg(long, env = "PORTAL_LINK_KEY_CURRENT")]
    pub link_key_current: Option<String>,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy).
    #[arg(long, env = "PORTAL_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
}

impl Config {
    /// Leptos' own settings, built here rather than read from cargo-leptos' environment so
    /// the release binary and the tests start the same way without cargo-leptos.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Cookies are `Secure` except when the portal is reached over plain http on this
    /// machine (browsers would drop them otherwise during local use and tests).
    pub fn secure_cookies(&self, bound: SocketAddr) -> bool {
        let url = self.public_url(bound);
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p));
        !local
    }
}
