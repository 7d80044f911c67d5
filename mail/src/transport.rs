//! Where messages go: an SMTP relay (lettre, TLS or STARTTLS with authentication, as the
//! connection URL says), or a folder of `.eml` files when no relay is configured (the demo
//! and development: nothing leaves the machine).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::MailError;
use crate::render::Rendered;

/// How long one SMTP conversation may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured way out.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The URL may hold a password: never printed.
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Folder(dir) => write!(f, "Transport::Folder({})", dir.display()),
        }
    }
}

/// Why one message could not be handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// The relay refused it for good (5xx): retrying will not help.
    pub permanent: bool,
    pub reason: String,
}

impl Transport {
    /// An SMTP relay from a connection URL: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS, refusing a relay without it),
    /// `smtp://host:25` (plain, for a relay on the same host). `extra_root_pem` trusts one
    /// more certificate authority (a private relay's), beside the public ones.
    pub fn smtp(url: &str, extra_root_pem: Option<&[u8]>) -> Result<Transport, MailError> {
        let parsed = url::Url::parse(url).map_err(|_| MailError::Config("mail.smtp_url"))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Smtp(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(pem) = extra_root_pem {
            let host = parsed
                .host_str()
                .ok_or(MailError::Config("mail.smtp_url"))?
                .to_owned();
            let certificate =
                Certificate::from_pem(pem).map_err(|e| MailError::Smtp(e.to_string()))?;
            let parameters = TlsParameters::builder(host)
                .add_root_certificate(certificate)
                .build()
                .map_err(|e| MailError::Smtp(e.to_string()))?;
            let tls_query = parsed
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            let tls = match (parsed.scheme(), tls_query.as_deref()) {
                ("smtps", _) => Tls::Wrapper(parameters),
                ("smtp", Some("required")) => Tls::Required(parameters),
                ("smtp", Some("opportunistic")) => Tls::Opportunistic(parameters),
                _ => return Err(MailError::Config("mail.smtp_ca_file needs a TLS smtp_url")),
            };
            builder = builder.tls(tls);
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Hands `message` over. `id` names the file in a folder.
    pub async fn send(&self, id: &str, message: &Message) -> Result<(), SendFailure> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message.clone())
                    .await
                    .map(drop)
                    .map_err(|e| SendFailure {
                        permanent: e.is_permanent(),
                        reason: e.to_string(),
                    })
            }
            Transport::Folder(dir) => {
                write_eml(dir, id, &message.formatted())
                    .await
                    .map_err(|e| SendFailure {
                        permanent: false,
                        reason: format!("writing to {}: {e}", dir.display()),
                    })
            }
        }
    }
}

/// Writes `<id>.eml` whole or not at all (a temporary file renamed into place), readable by
/// the owner only: it holds personal data.
async fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    {
        use tokio::io::AsyncWriteExt;
        let mut file = options.open(&tmp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
    }
    tokio::fs::rename(&tmp, dir.join(format!("{id}.eml"))).await
}

/// The message: plain text and HTML alternatives, a stable Message-ID (`<id@domain>`) so a
/// retry after a lost answer is recognisably the same mail.
pub fn message(
    from: &Mailbox,
    to: &str,
    id: &str,
    rendered: &Rendered,
) -> Result<Message, MailError> {
    let to: Mailbox = to.parse().map_err(|_| MailError::Address)?;
    let domain = from.email.domain();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))
}
