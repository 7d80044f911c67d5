//! The mail job: takes what is due from the outbox and sends it, only within the contact
//! hours, at most `per_round` a round (so a letter run goes out spread over the morning
//! instead of all at 07:00), at least once per message (its id is the Message-ID), retrying
//! failures with growing pauses and then leaving them to staff.

use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use store::{Mail, SentMail, Store};

use crate::error::MailError;
use crate::hours::ContactHours;
use crate::render::{Letterhead, render};
use crate::transport::{Transport, message};

/// Tries before a message is given up (and shown to staff): the pauses double from one
/// minute, so the last try is about four hours after the first.
pub const MAX_ATTEMPTS: u32 = 8;

/// What the job needs.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub store: Store,
    pub transport: Transport,
    pub hours: ContactHours,
    pub letterhead: Letterhead,
    pub from: Mailbox,
    /// Messages per round at most.
    pub per_round: u32,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Outside the contact hours: nothing was tried.
    pub closed: bool,
    pub sent: u32,
    /// Failed this time, tried again later.
    pub retrying: u32,
    /// Given up: staff see them.
    pub failed: u32,
    /// Not sent: no address, or a reminder the debtor switched off.
    pub unsent: u32,
}

impl Mailer {
    /// Sends what is due at `now`. What the plans call for is queued by its own, slower job
    /// ([`crate::plan_messages`]).
    pub async fn round(&self, now: DateTime<Utc>) -> Result<Round, MailError> {
        let mut round = Round::default();
        if !self.hours.allows(now) {
            round.closed = true;
            return Ok(round);
        }
        for mail in self.store.mail_due(now, i64::from(self.per_round)).await? {
            match self.send_one(&mail, now).await? {
                Outcome::Sent => round.sent += 1,
                Outcome::Retrying => round.retrying += 1,
                Outcome::Failed => round.failed += 1,
                Outcome::Unsent => round.unsent += 1,
            }
        }
        Ok(round)
    }

    async fn send_one(&self, mail: &Mail, now: DateTime<Utc>) -> Result<Outcome, MailError> {
        let to = self.store.mail_addressee(&mail.dossier_id).await?;
        if mail.notice.kind().is_reminder() && !to.reminders {
            self.store
                .mark_mail_unsent(&mail.id, "reminders switched off")
                .await?;
            return Ok(Outcome::Unsent);
        }
        let Some(address) = to.email.as_deref() else {
            self.store
                .mark_mail_unsent(&mail.id, "no e-mail address")
                .await?;
            return Ok(Outcome::Unsent);
        };
        let rendered = render(
            &mail.notice,
            to.language,
            &to.name,
            &to.dossier_number,
            &self.letterhead,
        );
        let built = match message(&self.from, address, &mail.id, &rendered) {
            Ok(m) => m,
            Err(MailError::Address) => {
                self.store
                    .mark_mail_attempt_failed(&mail.id, "not a valid e-mail address", now, true)
                    .await?;
                return Ok(Outcome::Failed);
            }
            Err(e) => return Err(e),
        };
        match self.transport.send(&mail.id, &built).await {
            Ok(()) => {
                self.store
                    .mark_mail_sent(
                        &mail.id,
                        &SentMail {
                            recipient: address,
                            subject: &rendered.subject,
                            body_text: &rendered.text,
                        },
                        now,
                    )
                    .await?;
                tracing::info!(mail = %mail.id, kind = mail.notice.kind().as_str(), "mail sent");
                Ok(Outcome::Sent)
            }
            Err(failure) => {
                let attempts = mail.attempts + 1;
                let give_up = failure.permanent || attempts >= MAX_ATTEMPTS;
                let next = self.hours.next_allowed(now + backoff(attempts));
                tracing::warn!(mail = %mail.id, attempts, give_up, reason = %failure.reason, "mail not sent");
                self.store
                    .mark_mail_attempt_failed(&mail.id, &failure.reason, next, give_up)
                    .await?;
                Ok(if give_up {
                    Outcome::Failed
                } else {
                    Outcome::Retrying
                })
            }
        }
    }
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
    Unsent,
}

/// The pause after the `attempts`-th failure: 1, 2, 4, … minutes.
pub fn backoff(attempts: u32) -> Duration {
    Duration::minutes(1i64 << attempts.saturating_sub(1).min(10))
}
