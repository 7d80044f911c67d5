//! A debt counsellor's access (issue 21), server side: the debtor's invitations and grants
//! (`/dossier/access`), the counsellor's account, sign-in session and dossiers
//! (`/counsellor/…`), and staff's decisions on municipal requests (`/staff/counsellors`).
//!
//! A counsellor account is a `staff_user` of kind `counsellor` and signs in through the staff
//! routine (password, then the second factor); its session lives in the debtor cookie and
//! acts for one dossier at a time (`session.acting_for`), which `session::current` turns into a
//! debtor-side session only while a grant is live. What it reaches is `domain::reaches`.

use super::session::{self, Current};
use super::{Services, Settings};
use crate::counsellor::{
    AccessError, AccessView, ActingBanner, Activity, ActivityItem, CounsellorDossier,
    CounsellorHome, GrantItem, InvitationItem, JoinFields, JoinProblems, MAX_FIELD_CHARS,
    MAX_TEXT_CHARS, NumberProblem, RequestItem,
};
use crate::errors::{Problem, Refusal};
use auth::sign_in::Verdict;
use auth::{ThrottlePolicy, Token};
use chrono::{DateTime, Utc};
use domain::{AccessId, AccessRequestId, DossierId, InvitationCode, InvitationId};
use std::net::IpAddr;
use store::{
    ActorKind, AttemptKey, AttemptKeyKind, NewAuditEvent, Redeemed, RequestDecided, Store,
    StoreError,
};

fn unavailable(what: &str, e: impl std::fmt::Display) -> AccessError {
    tracing::error!(error = %e, what, "counsellor access");
    AccessError::Refused(Refusal::Unavailable)
}

/// Who an audit event of this module is by.
enum Actor<'a> {
    /// The debtor, by dossier number.
    Debtor(&'a str),
    Staff(&'a str),
    /// A counsellor acting on the debtor's side (shown to the debtor).
    Counsellor(&'a str),
}

fn event(
    actor: Actor<'_>,
    dossier_id: Option<DossierId>,
    action: &str,
    detail: serde_json::Value,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> NewAuditEvent {
    let (actor_kind, actor_id, counsellor) = match actor {
        Actor::Debtor(number) => (ActorKind::Debtor, Some(number.to_owned()), None),
        Actor::Staff(username) => (ActorKind::Staff, Some(username.to_owned()), None),
        Actor::Counsellor(username) => (ActorKind::Debtor, None, Some(username.to_owned())),
    };
    NewAuditEvent {
        at: now,
        actor_kind,
        actor_id,
        dossier_id,
        action: action.to_owned(),
        detail,
        client_ip: ip.map(|ip| ip.to_string()),
        counsellor,
    }
}

/// Trims `text`; `None` when empty; `TooLong` over `max` characters.
fn optional(text: &str, max: usize) -> Result<Option<String>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else if text.chars().count() > max {
        Err(Problem::TooLong)
    } else {
        Ok(Some(text.to_owned()))
    }
}

fn required(text: &str, max: usize) -> Result<String, Problem> {
    optional(text, max)?.ok_or(Problem::Required)
}

fn email(text: &str) -> Result<Option<String>, Problem> {
    match optional(text, MAX_FIELD_CHARS)? {
        None => Ok(None),
        Some(t) => t
            .parse::<domain::Email>()
            .map(|e| Some(e.to_string()))
            .map_err(|_| Problem::Email),
    }
}

// ---------------------------------------------------------------------------------------
// The debtor's side.

/// What `/dossier/access` shows: the open invitations, who has access, and the last 50
/// things counsellors saw or did (`new_code`: the code just made, from its cookie).
pub async fn access_view(
    services: &Services,
    dossier_id: &DossierId,
    new_code: Option<String>,
    now: DateTime<Utc>,
) -> Result<AccessView, AccessError> {
    let store = &services.store;
    let invitations = store
        .open_invitations(dossier_id, now)
        .await
        .map_err(|e| unavailable("invitations", e))?
        .into_iter()
        .map(|i| InvitationItem {
            id: i.id,
            personal_data: i.personal_data,
            organisation: i.organisation,
            email: i.email,
            expires: domain::clock::dutch_date(i.expires_at),
        })
        .collect();
    let accesses = store
        .accesses_for_dossier(dossier_id)
        .await
        .map_err(|e| unavailable("grants", e))?;
    let grants = accesses
        .iter()
        .map(|a| GrantItem {
            id: a.id.clone(),
            name: a.counsellor.name.clone(),
            organisation: a.counsellor.organisation.clone(),
            email: a.counsellor.email.clone(),
            personal_data: a.personal_data,
            by_invitation: a.via == "invitation",
            since: domain::clock::dutch_date(a.granted_at),
        })
        .collect();
    let events = store
        .counsellor_events(dossier_id, 50)
        .await
        .map_err(|e| unavailable("activity", e))?;
    let mut activity = Vec::with_capacity(events.len());
    for e in events {
        let username = e.counsellor.clone().unwrap_or_default();
        // The name the debtor knows; a counsellor whose account is gone by their username.
        let who = match accesses.iter().find(|a| a.counsellor.username == username) {
            Some(a) => format!("{} ({})", a.counsellor.name, a.counsellor.organisation),
            None => match store.counsellor(&username).await {
                Ok(Some(c)) => format!("{} ({})", c.name, c.organisation),
                _ => username,
            },
        };
        let path = e.detail.get("path").and_then(|p| p.as_str()).unwrap_or("");
        activity.push(ActivityItem {
            at: domain::clock::dutch_time(e.at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            who,
            what: Activity::of(&e.action, path),
        });
    }
    Ok(AccessView {
        new_code,
        invitations,
        grants,
        activity,
    })
}

/// Makes an invitation (valid [`domain::INVITATION_VALID_DAYS`]) and returns its code, to be
/// shown once. With an e-mail address, only a counsellor with that address can redeem it.
#[allow(clippy::too_many_arguments)]
pub async fn invite(
    services: &Services,
    dossier_id: &DossierId,
    number: &str,
    personal_data: bool,
    organisation: &str,
    email_text: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<InvitationCode, AccessError> {
    let org = optional(organisation, MAX_FIELD_CHARS);
    let mail = email(email_text);
    let (org, mail) = match (org, mail) {
        (Ok(org), Ok(mail)) => (org, mail),
        (org, mail) => {
            return Err(AccessError::Invitation {
                organisation: organisation.to_owned(),
                email: email_text.to_owned(),
                organisation_problem: org.err(),
                email_problem: mail.err(),
            });
        }
    };
    let code = auth::new_invitation_code();
    let id = InvitationId::new(uuid::Uuid::new_v4().to_string());
    let new = store::NewInvitation {
        id: id.clone(),
        dossier_id: dossier_id.clone(),
        code_hash: auth::invitation_hash(&code),
        personal_data,
        organisation: org.clone(),
        email: mail.clone(),
        created_at: now,
        expires_at: domain::invitation_expires_at(now),
        audit: event(
            Actor::Debtor(number),
            Some(dossier_id.clone()),
            "counsellor.invited",
            serde_json::json!({
                "invitation_id": id,
                "personal_data": personal_data,
                "organisation": org,
                "email": mail,
            }),
            ip,
            now,
        ),
    };
    services
        .store
        .create_invitation(&new)
        .await
        .map_err(|e| unavailable("invite", e))?;
    Ok(code)
}

/// Withdraws an open invitation of the dossier (a no-op for one used or gone).
pub async fn withdraw(
    services: &Services,
    dossier_id: &DossierId,
    number: &str,
    id: &InvitationId,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    let audit = event(
        Actor::Debtor(number),
        Some(dossier_id.clone()),
        "counsellor.invitation_withdrawn",
        serde_json::json!({ "invitation_id": id }),
        ip,
        now,
    );
    services
        .store
        .withdraw_invitation(dossier_id, id, &audit)
        .await
        .map_err(|e| unavailable("withdraw", e))?;
    Ok(())
}

/// Ends a counsellor's access at once (their session stops acting for the dossier).
pub async fn revoke(
    services: &Services,
    dossier_id: &DossierId,
    number: &str,
    id: &AccessId,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    let audit = event(
        Actor::Debtor(number),
        Some(dossier_id.clone()),
        "counsellor.revoked",
        serde_json::json!({ "access_id": id }),
        ip,
        now,
    );
    services
        .store
        .revoke_access(dossier_id, id, "debtor", &audit)
        .await
        .map_err(|e| unavailable("revoke", e))?;
    Ok(())
}

/// The banner on the overview while a counsellor acts for the debtor (from the session,
/// which read the counsellor with the grant).
pub fn banner(current: &Current) -> Option<ActingBanner> {
    let c = current.counsellor.as_ref()?;
    Some(ActingBanner {
        name: c.name.clone(),
        organisation: c.organisation.clone(),
        personal_data: current.reaches(domain::Area::PersonalData),
    })
}

// ---------------------------------------------------------------------------------------
// The counsellor's side.

/// A counsellor signed in (whichever dossier the session acts for).
#[derive(Clone)]
pub struct CounsellorCurrent {
    pub token: Token,
    pub counsellor: store::Counsellor,
}

/// The request's counsellor session, if the debtor cookie holds one.
pub async fn current(
    store: &Store,
    headers: &http::HeaderMap,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<CounsellorCurrent>, StoreError> {
    let Some(token) = session::token_from_headers(headers) else {
        return Ok(None);
    };
    let Some(session) = store
        .session(token.expose(), now, settings.idle_timeout)
        .await?
    else {
        return Ok(None);
    };
    let Some(username) = session
        .staff_username
        .filter(|_| session.kind == store::SessionKind::Staff)
    else {
        return Ok(None);
    };
    let Some(counsellor) = store.counsellor(&username).await? else {
        return Ok(None);
    };
    store.touch_session(token.expose(), now).await?;
    Ok(Some(CounsellorCurrent { token, counsellor }))
}

/// The services and the counsellor of this request, or a redirect to `/counsellor`.
pub async fn require_counsellor() -> Result<(Services, CounsellorCurrent), AccessError> {
    let services = super::services().map_err(|_| Refusal::Unavailable)?;
    let parts =
        leptos::prelude::use_context::<http::request::Parts>().ok_or(Refusal::Unavailable)?;
    let found = current(
        &services.store,
        &parts.headers,
        &services.settings,
        Utc::now(),
    )
    .await
    .map_err(|e| unavailable("counsellor session", e))?;
    match found {
        Some(me) => Ok((services, me)),
        None => {
            leptos_axum::redirect("/counsellor");
            Err(super::refused(Refusal::NotSignedIn).into())
        }
    }
}

fn counsellor_event(
    username: &str,
    dossier_id: Option<DossierId>,
    action: &str,
    detail: serde_json::Value,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> NewAuditEvent {
    event(
        Actor::Counsellor(username),
        dossier_id,
        action,
        detail,
        ip,
        now,
    )
}

/// The counsellor's dossiers and requests.
pub async fn home(
    services: &Services,
    me: &CounsellorCurrent,
) -> Result<CounsellorHome, AccessError> {
    let store = &services.store;
    let c = &me.counsellor;
    let dossiers = store
        .accesses_for_counsellor(&c.username)
        .await
        .map_err(|e| unavailable("dossiers", e))?
        .into_iter()
        .map(|a| CounsellorDossier {
            number: a.dossier_number,
            personal_data: a.personal_data,
            since: domain::clock::dutch_date(a.granted_at),
        })
        .collect();
    let requests = store
        .access_requests_of(&c.username)
        .await
        .map_err(|e| unavailable("requests", e))?
        .into_iter()
        .map(request_item)
        .collect();
    Ok(CounsellorHome {
        name: c.name.clone(),
        organisation: c.organisation.clone(),
        municipal: c.municipality.is_some(),
        dossiers,
        requests,
    })
}

fn request_item(r: store::AccessRequest) -> RequestItem {
    RequestItem {
        id: r.id,
        number: r.dossier_number,
        counsellor: r.counsellor.name,
        organisation: r.counsellor.organisation,
        municipality: r.counsellor.municipality,
        email: r.counsellor.email,
        reason: r.reason,
        personal_data: r.personal_data,
        received: domain::clock::dutch_date(r.created_at),
        status: r.status,
        note: r.note,
    }
}

/// Lets the counsellor's session act for one of their dossiers (by its number).
pub async fn open_dossier(
    services: &Services,
    me: &CounsellorCurrent,
    number: &str,
) -> Result<(), AccessError> {
    let store = &services.store;
    let dossier = store
        .dossier_by_number(number.trim())
        .await
        .map_err(|e| unavailable("dossier", e))?
        .ok_or(AccessError::NoAccess)?;
    store
        .access(&dossier.id, &me.counsellor.username)
        .await
        .map_err(|e| unavailable("access", e))?
        .ok_or(AccessError::NoAccess)?;
    store
        .set_acting_for(me.token.expose(), Some(&dossier.id))
        .await
        .map_err(|e| unavailable("acting for", e))?;
    Ok(())
}

/// The invitation behind a typed code, under the throttle of `name` and the client address:
/// a wrong code counts as a failed attempt, as a wrong password does.
async fn with_code<T, F, Fut>(
    services: &Services,
    name: &str,
    code_text: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
    redeem: F,
) -> Result<T, AccessError>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, auth::sign_in::SignInError>>,
{
    let code: InvitationCode = code_text.parse().map_err(|_| AccessError::BadCode)?;
    let keys = auth::sign_in::keys_for(
        AttemptKey::new(AttemptKeyKind::Staff, format!("invitation:{name}")),
        ThrottlePolicy::STAFF,
        ip,
    );
    let hash = auth::invitation_hash(&code);
    let verdict = auth::sign_in::throttled(&services.store, &keys, now, || redeem(hash))
        .await
        .map_err(|e| unavailable("invitation", e))?;
    match verdict {
        Verdict::Right(found) => Ok(found),
        Verdict::Throttled { until } => Err(AccessError::Throttled {
            retry_after_secs: (until - now).num_seconds().max(1),
        }),
        Verdict::Wrong => Err(AccessError::NoSuchInvitation),
    }
}

/// Redeems a code for a signed-in counsellor: the dossier is added to their list.
pub async fn redeem(
    services: &Services,
    me: &CounsellorCurrent,
    code_text: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, AccessError> {
    let c = &me.counsellor;
    let audit = counsellor_event(
        &c.username,
        None,
        "counsellor.joined",
        serde_json::json!({}),
        ip,
        now,
    );
    let outcome = with_code(
        services,
        &c.username,
        code_text,
        ip,
        now,
        |hash| async move {
            let redeemed = services
                .store
                .redeem_invitation(&hash, &c.username, &audit)
                .await
                .map_err(auth::sign_in::SignInError::Store)?;
            Ok(match redeemed {
                Redeemed::NoSuchInvitation => None,
                other => Some(other),
            })
        },
    )
    .await?;
    match outcome {
        Redeemed::Granted(access) => Ok(access.dossier_number),
        Redeemed::OtherCounsellor => Err(AccessError::OtherCounsellor),
        Redeemed::AlreadyGranted => Err(AccessError::AlreadyGranted),
        Redeemed::NoSuchInvitation => Err(AccessError::NoSuchInvitation),
    }
}

/// The account form: a counsellor without an account makes one with the debtor's code; the
/// code is redeemed at once. They then sign in and set up the second factor.
pub async fn join(
    services: &Services,
    fields: JoinFields,
    code_text: &str,
    password: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, AccessError> {
    let username: String = fields.username.trim().to_lowercase();
    let mut problems = JoinProblems {
        code: code_text
            .parse::<InvitationCode>()
            .err()
            .map(|_| Problem::Required),
        ..JoinProblems::default()
    };
    let name = required(&fields.name, MAX_FIELD_CHARS).map_err(|p| problems.name = Some(p));
    let organisation = required(&fields.organisation, MAX_FIELD_CHARS)
        .map_err(|p| problems.organisation = Some(p));
    let mail = match email(&fields.email) {
        Ok(Some(m)) => Some(m),
        Ok(None) => {
            problems.email = Some(Problem::Required);
            None
        }
        Err(p) => {
            problems.email = Some(p);
            None
        }
    };
    let username_ok = !username.is_empty()
        && username.chars().count() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !username_ok {
        problems.username = Some(if username.is_empty() {
            Problem::Required
        } else {
            Problem::TooLong
        });
    }
    if password.chars().count() < 12 {
        problems.password = Some(Problem::Required);
    }
    let (Ok(name), Ok(organisation), Some(mail), false) =
        (name, organisation, mail, problems.any())
    else {
        return Err(AccessError::Join { fields, problems });
    };
    // Only with a live code is an account made (and its password hashed).
    let store = &services.store;
    let hash = with_code(services, &username, code_text, ip, now, |hash| async move {
        let found = store
            .invitation_live(&hash, now)
            .await
            .map_err(auth::sign_in::SignInError::Store)?;
        Ok(found.then_some(hash))
    })
    .await?;
    let password_hash = services
        .hasher
        .hash(password)
        .map_err(|e| unavailable("hash", e))?;
    let new = store::NewCounsellor {
        username: username.clone(),
        password_hash,
        name,
        organisation,
        email: mail,
        municipality: None,
    };
    match store.create_counsellor(&new, now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(store::Conflict::StaffUsernameTaken)) => {
            return Err(AccessError::UsernameTaken { fields });
        }
        Err(e) => return Err(unavailable("join", e)),
    }
    let audit = counsellor_event(
        &username,
        None,
        "counsellor.joined",
        serde_json::json!({}),
        ip,
        now,
    );
    match store
        .redeem_invitation(&hash, &username, &audit)
        .await
        .map_err(|e| unavailable("redeem", e))?
    {
        Redeemed::Granted(access) => Ok(access.dossier_number),
        Redeemed::OtherCounsellor => Err(AccessError::OtherCounsellor),
        Redeemed::AlreadyGranted => Err(AccessError::AlreadyGranted),
        Redeemed::NoSuchInvitation => Err(AccessError::NoSuchInvitation),
    }
}

/// A municipal counsellor asks staff for access without the debtor's code.
pub async fn request_access(
    services: &Services,
    me: &CounsellorCurrent,
    number: &str,
    reason: &str,
    personal_data: bool,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    let c = &me.counsellor;
    if c.municipality.is_none() {
        return Err(AccessError::NotMunicipal);
    }
    let parsed = number.parse::<domain::DossierNumber>();
    let reason_checked = required(reason, MAX_TEXT_CHARS);
    let dossier = match &parsed {
        Ok(n) => services
            .store
            .dossier_by_number(&n.to_string())
            .await
            .map_err(|e| unavailable("dossier", e))?,
        Err(_) => None,
    };
    let (Some(dossier), Ok(reason_text)) = (dossier.as_ref(), reason_checked.clone()) else {
        let number_problem = match (&parsed, &dossier) {
            _ if number.trim().is_empty() => Some(NumberProblem::Required),
            (Err(_), _) => Some(NumberProblem::Format),
            (Ok(_), None) => Some(NumberProblem::Unknown),
            (Ok(_), Some(_)) => None,
        };
        return Err(AccessError::Request {
            number: number.to_owned(),
            reason: reason.to_owned(),
            number_problem,
            reason_problem: reason_checked.err(),
        });
    };
    let id = AccessRequestId::new(uuid::Uuid::new_v4().to_string());
    let new = store::NewAccessRequest {
        id: id.clone(),
        counsellor: c.username.clone(),
        dossier_id: dossier.id.clone(),
        reason: reason_text,
        personal_data,
        created_at: now,
        audit: counsellor_event(
            &c.username,
            Some(dossier.id.clone()),
            "counsellor.access_requested",
            serde_json::json!({ "request_id": id, "personal_data": personal_data }),
            ip,
            now,
        ),
    };
    match services.store.create_access_request(&new).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(store::Conflict::OpenAccessRequest)) => {
            Err(AccessError::RequestOpen)
        }
        Err(e) => Err(unavailable("request", e)),
    }
}

/// Ends the counsellor's session.
pub async fn sign_out(services: &Services, me: &CounsellorCurrent) -> Result<(), AccessError> {
    services
        .store
        .delete_session(me.token.expose())
        .await
        .map_err(|e| unavailable("sign out", e))?;
    Ok(())
}

/// The current debtor-side session's dossier number, for audit events.
pub async fn number_of(services: &Services, current: &Current) -> Result<String, AccessError> {
    let id = current
        .session
        .dossier_id
        .as_ref()
        .ok_or(AccessError::Refused(Refusal::NotSignedIn))?;
    services
        .store
        .dossier(id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|d| d.number)
        .ok_or(AccessError::Refused(Refusal::NotSignedIn))
}

// ---------------------------------------------------------------------------------------
// Staff.

/// Municipal requests waiting, oldest first; each shown is audited for its dossier.
pub async fn request_queue(
    services: &Services,
    me: &super::staff::StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<RequestItem>, AccessError> {
    let requests = services
        .store
        .open_access_requests()
        .await
        .map_err(|e| unavailable("request queue", e))?;
    for r in &requests {
        super::staff::audit_staff(
            services,
            &me.username,
            Some(r.dossier_id.clone()),
            "counsellor.request_viewed",
            serde_json::json!({ "request_id": r.id }),
            ip,
            now,
        )
        .await;
    }
    Ok(requests.into_iter().map(request_item).collect())
}

/// Staff grant or reject a request, always with a note (kept with the request, shown to the
/// counsellor).
pub async fn decide_request(
    services: &Services,
    me: &super::staff::StaffCurrent,
    id: &AccessRequestId,
    decision: &str,
    note: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    let grant = match decision {
        "grant" => true,
        "reject" => false,
        _ => {
            return Err(AccessError::Decision {
                id: id.clone(),
                problem: Problem::Required,
            });
        }
    };
    let note = required(note, MAX_TEXT_CHARS).map_err(|problem| AccessError::Decision {
        id: id.clone(),
        problem,
    })?;
    let audit = event(
        Actor::Staff(&me.username),
        None,
        if grant {
            "counsellor.request_granted"
        } else {
            "counsellor.request_rejected"
        },
        serde_json::json!({ "request_id": id, "note": note }),
        ip,
        now,
    );
    match services
        .store
        .decide_access_request(id, grant, &note, &me.username, &audit)
        .await
        .map_err(|e| unavailable("decide request", e))?
    {
        RequestDecided::Done => Ok(()),
        RequestDecided::Earlier { by } => Err(AccessError::DecidedEarlier { by }),
    }
}
