//! Runs the Pay.nl simulator as a standalone server (for `cargo xtask run` and end-to-end tests).

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use paynl::exchange::SignatureAlgorithm;
use paynl::sim::{
    DEFAULT_SIGNING_KEY_ID, DEFAULT_SIGNING_SECRET, ExchangeFormat, SimConfig, SimState,
    simulator_router,
};

#[derive(Parser)]
#[command(
    about = "Pay.nl simulator: Order API, hosted test payment page and signed exchange calls"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "PAYNL_SIM_ADDR", default_value = "127.0.0.1:8089")]
    addr: String,
    /// Base URL browsers reach the simulator at (default: http://ADDR).
    #[arg(long, env = "PAYNL_SIM_PUBLIC_URL")]
    public_url: Option<String>,
    /// Key id sent in the signature-keyid header (default: the API username, as at Pay.nl,
    /// else AT-0000-0000). An SL-code with its secret works too.
    #[arg(long, env = "PAYNL_SIM_SIGNING_KEY_ID")]
    signing_key_id: Option<String>,
    /// Secret exchange calls are signed with (default: the API password, i.e. the token,
    /// else "simulator-api-token").
    #[arg(long, env = "PAYNL_SIM_SIGNING_SECRET")]
    signing_secret: Option<String>,
    /// HMAC hash for the signature.
    #[arg(long, value_enum, default_value_t = Algorithm::Sha256)]
    signing_algorithm: Algorithm,
    /// Require HTTP Basic auth on the API with this user (AT-/SL-code)...
    #[arg(long, env = "PAYNL_SIM_USERNAME", requires = "password")]
    username: Option<String>,
    /// ...and this password (token or secret).
    #[arg(long, env = "PAYNL_SIM_PASSWORD", requires = "username")]
    password: Option<String>,
    /// Exchange call format for order status changes.
    #[arg(long, value_enum, default_value_t = Format::SignedJson)]
    exchange_format: Format,
    /// Exchange call format for refunds and chargebacks (Pay.nl: the old form format).
    #[arg(long, value_enum, default_value_t = Format::Form)]
    refund_exchange_format: Format,
    /// Waits between exchange retries, comma-separated, e.g. "1s,5s,30s" or "200ms,200ms"
    /// (default: 6 retries within about 2 hours, like Pay.nl).
    #[arg(long, value_parser = parse_schedule)]
    retry_schedule: Option<Schedule>,
    /// Seconds one exchange call may take.
    #[arg(long, default_value_t = 5)]
    exchange_timeout_secs: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum Algorithm {
    Sha256,
    Sha512,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    SignedJson,
    Form,
}

#[derive(Clone)]
struct Schedule(Vec<Duration>);

fn parse_schedule(text: &str) -> Result<Schedule, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            let (number, unit) = s
                .find(|c: char| !c.is_ascii_digit())
                .map(|i| s.split_at(i))
                .unwrap_or((s, "s"));
            let n: u64 = number.parse().map_err(|_| format!("bad duration {s:?}"))?;
            match unit {
                "ms" => Ok(Duration::from_millis(n)),
                "s" => Ok(Duration::from_secs(n)),
                "m" => Ok(Duration::from_secs(n * 60)),
                "h" => Ok(Duration::from_secs(n * 3600)),
                _ => Err(format!("bad unit in {s:?}: use ms, s, m or h")),
            }
        })
        .collect::<Result<_, _>>()
        .map(Schedule)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let local = listener.local_addr()?;
    let public_url = args.public_url.unwrap_or_else(|| format!("http://{local}"));
    let format = |f: Format| match f {
        Format::SignedJson => ExchangeFormat::SignedJson,
        Format::Form => ExchangeFormat::FormPost,
    };
    let credentials = args.username.zip(args.password);
    // Pay.nl signs with the API username (AT-…) and its token.
    let signing_key_id = args
        .signing_key_id
        .or_else(|| credentials.as_ref().map(|(user, _)| user.clone()))
        .unwrap_or_else(|| DEFAULT_SIGNING_KEY_ID.to_owned());
    let signing_secret = args
        .signing_secret
        .or_else(|| credentials.as_ref().map(|(_, token)| token.clone()))
        .unwrap_or_else(|| DEFAULT_SIGNING_SECRET.to_owned());
    let config = SimConfig {
        public_url: Some(public_url.clone()),
        credentials,
        signing_key_id,
        signing_secret,
        signing_algorithm: match args.signing_algorithm {
            Algorithm::Sha256 => SignatureAlgorithm::Sha256,
            Algorithm::Sha512 => SignatureAlgorithm::Sha512,
        },
        exchange_format: format(args.exchange_format),
        refund_exchange_format: format(args.refund_exchange_format),
        exchange_timeout: Duration::from_secs(args.exchange_timeout_secs),
        retry_schedule: args
            .retry_schedule
            .map(|s| s.0)
            .unwrap_or_else(SimConfig::paynl_retry_schedule),
    };
    tracing::info!(%local, %public_url, "Pay.nl simulator listening");
    let app = simulator_router(SimState::new(config));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
    Ok(())
}
