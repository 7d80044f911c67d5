//! `debiteurportaal`: serve the portal, migrate, import, letters, staff accounts.

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::{Config, ConfigArgs};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(version, about = "Debiteurportaal: the debtor self-service portal")]
struct Cli {
    /// Seed the demo dossiers (once) and print their logins.
    #[arg(long, env = "PORTAL_DEMO", global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Import a creditor's CSV export (columns: docs/IMPORT.md).
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the secrets of new dossiers (for the letter run).
        #[arg(long, default_value = "new-secrets.csv")]
        secrets_out: std::path::PathBuf,
        /// Replace an existing secrets file (else the import refuses to start).
        #[arg(long)]
        overwrite: bool,
    },
    /// Produce the letter run: signed links, QR codes and new secrets in a CSV.
    Letters {
        /// A file with one dossier number per line.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        dossiers: Option<std::path::PathBuf>,
        /// Every dossier.
        #[arg(long)]
        all: bool,
        /// Folder for letters.csv and the QR images.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Give every selected dossier a new secret (the old letter's code stops working).
        #[arg(long)]
        rotate_secret: bool,
        /// Days the printed link stays valid.
        #[arg(long, default_value_t = 120)]
        valid_days: i64,
        /// Replace the files of an earlier run in the folder.
        #[arg(long)]
        overwrite: bool,
    },
    /// Remove the dossiers whose retention has passed (7 years after the last claim letter,
    /// never earlier than 2 years after closing, never while open), as the daily job does.
    Retention {
        /// Only list what would be removed, and the open dossiers kept past the letter rule.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage back-office (staff) accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff user. The password is read from stdin (one line, at least 12 characters),
    /// or made with --generate and printed once. Only its argon2id hash is stored.
    Add {
        /// Lowercase letters, digits, '.', '_' or '-'.
        username: String,
        /// What the user may do.
        #[arg(long, default_value = "agent", value_parser = ["agent", "admin"])]
        role: String,
        /// Make a strong random password and print it once, instead of reading one.
        #[arg(long)]
        generate: bool,
    },
    /// Add a debt counsellor of municipal debt help, who may ask staff for access to a
    /// dossier without the debtor's code (counsellors with a code make their own account at
    /// /counsellor/join). The password as for `staff add`.
    AddCounsellor {
        /// Lowercase letters, digits, '.', '_' or '-'.
        username: String,
        /// Their name, as debtors and staff will read it.
        #[arg(long)]
        name: String,
        /// The organisation they work for.
        #[arg(long)]
        organisation: String,
        /// Their work e-mail address.
        #[arg(long)]
        email: String,
        /// The municipality whose debt help they are part of.
        #[arg(long)]
        municipality: String,
        /// Make a strong random password and print it once, instead of reading one.
        #[arg(long)]
        generate: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = cli.config.load()?;
    server::use_rate_table(&config)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, cli.demo).await,
        Command::Import {
            file,
            secrets_out,
            overwrite,
        } => import(&config, &file, &secrets_out, overwrite).await,
        Command::Staff {
            command:
                StaffCommand::Add {
                    username,
                    role,
                    generate,
                },
        } => staff_add(&config, &username, &role, generate).await,
        Command::Staff {
            command:
                StaffCommand::AddCounsellor {
                    username,
                    name,
                    organisation,
                    email,
                    municipality,
                    generate,
                },
        } => {
            let counsellor = server::staff::CounsellorInput {
                name,
                organisation,
                email,
                municipality: Some(municipality),
            };
            counsellor_add(&config, &username, counsellor, generate).await
        }
        Command::Retention { dry_run } => retention(&config, dry_run).await,
        Command::Migrate => {
            store::Store::connect(config.database_url()).await?;
            println!("database schema is up to date");
            Ok(())
        }
        Command::Letters {
            dossiers,
            all: _,
            out,
            rotate_secret,
            valid_days,
            overwrite,
        } => {
            let numbers = match dossiers {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("read {}", path.display()))?
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ),
                None => None,
            };
            let services = server::services(&config, config.addr).await?;
            let run = server::letters::LetterRun {
                dossiers: numbers,
                out: out.clone(),
                rotate_secret,
                valid_days,
                overwrite,
            };
            let report =
                server::letters::run(&services, &config.public_url(config.addr), &run).await?;
            println!(
                "{} letters, {} new secrets, written to {}",
                report.letters,
                report.new_secrets,
                out.join(server::letters::CSV_NAME).display()
            );
            for unknown in &report.unknown {
                eprintln!("unknown dossier: {unknown}");
            }
            Ok(())
        }
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    if demo {
        server::staff::check_demo_allowed(&config.public_url(addr))?;
    }
    let services = server::services(&config, addr).await?;
    if demo {
        print_demo_logins(&services, &config.public_url(addr)).await?;
    } else {
        server::staff::remove_demo_staff(&services.store).await?;
    }
    server::spawn_jobs(&config, &services);
    let router = server::router(&config, services);
    println!(
        "Debiteurportaal draait op / is running at {}/",
        config.public_url(addr)
    );
    server::serve(listener, router, shutdown()).await?;
    Ok(())
}

async fn print_demo_logins(services: &app::ssr::Services, base: &str) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let logins = import::seed_demo(&services.books, &services.hasher, today).await?;
    println!("\nDemo-dossiers / demo dossiers (sign in at {base}/):");
    for login in &logins {
        println!(
            "  {}  code {}  {}",
            login.dossier_number, login.secret, login.description
        );
    }
    if let Some(first) = logins.first() {
        let generation = services
            .store
            .dossier_by_number(&first.dossier_number.to_string())
            .await?
            .map_or(0, |d| d.link_generation);
        let link = services.links.sign(
            first.dossier_number,
            generation,
            chrono::Utc::now() + chrono::Duration::days(30),
        );
        println!(
            "\nQR-link uit de brief / the letter's QR link (pay only, 30 days):\n  {}",
            link.url(base)
        );
    }
    if let Some(sandbox) = &services.paynl_sandbox {
        println!(
            "\nBetalen gaat via de ingebouwde Pay.nl-sandbox / payments go to the built-in \
             Pay.nl sandbox ({}): nothing is really paid.",
            sandbox.url()
        );
    }
    server::staff::seed_demo_staff(&services.store, &services.hasher).await?;
    println!("\nDemo-medewerkers / demo staff, ALLEEN DEMO / DEMO ONLY (sign in at {base}/staff):");
    for (username, password, role, totp) in server::staff::DEMO_ACCOUNTS {
        println!(
            "  {username}  password {password}  ({}), authenticator key {totp}",
            role.as_str()
        );
    }
    let (username, password, totp) = server::staff::DEMO_COUNSELLOR;
    println!(
        "  {username}  password {password}  (debt counsellor, sign in at {base}/counsellor), \
         authenticator key {totp}"
    );
    println!(
        "  Staff and counsellors sign in with a second step: add the key to an authenticator \
         app (or run `oathtool --totp -b KEY`) and type its six-digit code."
    );
    println!();
    Ok(())
}

/// `staff add`: checks the input before touching the database; the password comes from one
/// line of stdin, or is generated and printed once.
async fn staff_add(
    config: &Config,
    username: &str,
    role: &str,
    generate: bool,
) -> anyhow::Result<()> {
    let username = server::staff::check_username(username)?;
    let role = store::StaffRole::parse(role).context("role must be agent or admin")?;
    let password = read_password(&username, generate)?;
    let store = store::Store::connect(config.database_url())
        .await
        .with_context(|| format!("open the database {}", config.database_for_display()))?;
    let hasher = auth::SecretHasher::new(auth::HashParams::default())?;
    server::staff::add_user(&store, &hasher, &username, role, &password).await?;
    println!("staff user {username} ({role}) added");
    if generate {
        println!("password (shown only now; store it safely): {password}");
    }
    Ok(())
}

/// `staff add-counsellor`: as `staff add`, for a counsellor of municipal debt help.
async fn counsellor_add(
    config: &Config,
    username: &str,
    counsellor: server::staff::CounsellorInput,
    generate: bool,
) -> anyhow::Result<()> {
    let username = server::staff::check_username(username)?;
    let password = read_password(&username, generate)?;
    let store = store::Store::connect(config.database_url())
        .await
        .with_context(|| format!("open the database {}", config.database_for_display()))?;
    let hasher = auth::SecretHasher::new(auth::HashParams::default())?;
    server::staff::add_counsellor(&store, &hasher, &username, &password, counsellor).await?;
    println!("counsellor {username} added; they sign in at /counsellor");
    if generate {
        println!("password (shown only now; store it safely): {password}");
    }
    Ok(())
}

/// The new account's password: one line of stdin, or a generated one.
fn read_password(username: &str, generate: bool) -> anyhow::Result<String> {
    Ok(if generate {
        server::staff::generate_password()
    } else {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            // No echo control without a terminal library: say so, and offer the alternatives.
            eprintln!(
                "Password for {username} (at least {} characters, one line; it shows as you \
                 type, so prefer piping it in or --generate):",
                server::staff::MIN_PASSWORD_CHARS
            );
        }
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("read the password from stdin")?;
        server::staff::password_from_line(&line)?
    })
}

async fn import(
    config: &Config,
    file: &std::path::Path,
    secrets_out: &std::path::Path,
    overwrite: bool,
) -> anyhow::Result<()> {
    // Made first: a file that cannot be written must stop the import before any secret
    // exists only in memory.
    let out = server::private_files::create_file(secrets_out, overwrite)?;
    let store = store::Store::connect(config.database_url()).await?;
    let hasher = auth::SecretHasher::new(auth::HashParams::default())?;
    let options = import::ImportOptions::new(hasher);
    let input = std::fs::File::open(file).with_context(|| format!("open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr())
        .then(|| indicatif::ProgressBar::new(size));
    let report = import::import_csv(&store, input, &options, progress.as_ref()).await?;
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    import::write_secrets_csv(out, &report.new_secrets)?;
    println!(
        "{} rows: {} dossiers created, {} updated, {} unchanged, {} rows rejected",
        report.rows_read,
        report.dossiers_created,
        report.dossiers_updated,
        report.dossiers_unchanged,
        report.rejected.len()
    );
    for row in &report.rejected {
        eprintln!("  {row}");
    }
    if !report.new_secrets.is_empty() {
        println!(
            "{} new secrets written to {}",
            report.new_secrets.len(),
            secrets_out.display()
        );
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM (what a process supervisor or orchestrator sends): finish the requests
/// under way, then stop.
async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// `retention [--dry-run]`.
async fn retention(config: &Config, dry_run: bool) -> anyhow::Result<()> {
    let store = store::Store::connect(config.database_url()).await?;
    let policy = config.retention_policy();
    let now = chrono::Utc::now();
    let today = claim::dutch_date(now);
    if dry_run {
        let due = server::retention::due(&store, policy, today).await?;
        println!(
            "retention on {today}: {} years after the last claim letter, at least {} after closing",
            policy.years_after_letter, policy.years_after_close
        );
        println!("would remove {} dossier(s):", due.remove.len());
        for (dossier, last_day) in &due.remove {
            println!("  {}  kept until {last_day}", dossier.number);
        }
        println!(
            "kept because still open ({}): close them, or send a new letter",
            due.held_open.len()
        );
        for (dossier, last_day) in &due.held_open {
            println!("  {}  letter rule ended {last_day}", dossier.number);
        }
        return Ok(());
    }
    let removed = server::retention::run(&store, policy, today, now).await?;
    println!(
        "removed {} dossier(s); {} open dossier(s) kept past the letter rule",
        removed.dossiers, removed.held_open
    );
    Ok(())
}
