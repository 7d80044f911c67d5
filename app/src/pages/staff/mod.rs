//! The staff back office: sign-in, the correction queue, payment plan reviews, disputes,
//! payments needing attention and the dossier look-up.
//!
//! Staff have their own cookie (`dp_staff`) and session kind; a debtor session never opens
//! these pages or their server functions (see `crate::ssr::staff`). The types the server
//! functions return are in `crate::staff`.

mod corrections;
mod counsellors;
mod deferrals;
mod disputes;
mod dossiers;
mod payments;
mod plans;
mod sign_in;
mod two_factor;

pub use corrections::CorrectionQueue;
pub use counsellors::AccessRequestQueue;
pub use deferrals::DeferralQueue;
pub use disputes::DisputeQueue;
pub use dossiers::DossierLookup;
pub use payments::PaymentAttentionPage;
pub use plans::PlanReviewQueue;
pub use sign_in::{CounsellorSignInPage, StaffSignInPage};
pub use two_factor::StaffTwoFactorPage;

use crate::staff::*;

use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;

/// The signed-in staff member's name.
#[server(prefix = "/api", endpoint = "staff_me")]
pub async fn get_staff_identity() -> Result<StaffIdentity, StaffError> {
    let (_, staff) = crate::ssr::staff::require_staff().await?;
    let today = claim::dutch_date(chrono::Utc::now());
    Ok(StaffIdentity {
        username: staff.username,
        rates_covered_until: domain::rates::current().stale_on(today),
    })
}

/// Ends the staff session on the server and removes its cookie.
#[server(prefix = "/api", endpoint = "staff_sign_out")]
pub async fn staff_sign_out() -> Result<(), StaffError> {
    use crate::ssr::{client_ip, services, staff};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(StaffError::from_server_fn_error)?;
    let parts = expect_context::<http::request::Parts>();
    staff::sign_out(&services, &parts.headers, client_ip(), chrono::Utc::now()).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        staff::clear_cookie(&services.settings),
    );
    leptos_axum::redirect("/staff");
    Ok(())
}

/// The back office's navigation, who is signed in, and sign-out; above every staff page but
/// the sign-in.
#[component]
fn StaffNav() -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<StaffSignOut>::new();
    let identity = Resource::new(|| (), |_| get_staff_identity());
    let path = leptos_router::hooks::use_location().pathname;
    let current = move |p: &'static str| move || (path.get() == p).then_some("page");
    view! {
        <nav class="staff-nav" aria-label=move || t_string!(i18n, staff.nav.label).to_string()>
            <Suspense>
                {move || Suspend::new(async move {
                    identity
                        .await
                        .ok()
                        .map(|me| {
                            let locale = i18n.get_locale();
                            view! {
                                <p class="staff-who">
                                    {t!(i18n, staff.nav.signed_in_as)} " "
                                    <strong data-testid="staff-username">{me.username}</strong>
                                </p>
                                {me
                                    .rates_covered_until
                                    .map(|until| {
                                        view! {
                                            <p class="alert" role="status" data-testid="rates-stale">
                                                {t!(i18n, staff.nav.rates_stale, date = crate::format::date(locale, until))}
                                            </p>
                                        }
                                    })}
                            }
                        })
                })}
            </Suspense>
            <ul>
                <li>
                    <a href="/staff/corrections" aria-current=current("/staff/corrections")>
                        {t!(i18n, staff.nav.corrections)}
                    </a>
                </li>
                <li>
                    <a href="/staff/plans" aria-current=current("/staff/plans")>
                        {t!(i18n, staff.nav.plans)}
                    </a>
                </li>
                <li>
                    <a href="/staff/deferrals" aria-current=current("/staff/deferrals")>
                        {t!(i18n, staff.deferrals.nav)}
                    </a>
                </li>
                <li>
                    <a href="/staff/counsellors" aria-current=current("/staff/counsellors")>
                        {t!(i18n, staff.counsellors.nav)}
                    </a>
                </li>
                <li>
                    <a href="/staff/disputes" aria-current=current("/staff/disputes")>
                        {t!(i18n, staff.dispute.nav)}
                    </a>
                </li>
                <li>
                    <a href="/staff/payments" aria-current=current("/staff/payments")>
                        {t!(i18n, staff.nav.payments)}
                    </a>
                </li>
                <li>
                    <a href="/staff/dossiers" aria-current=current("/staff/dossiers")>
                        {t!(i18n, staff.nav.dossiers)}
                    </a>
                </li>
            </ul>
            <ActionForm action=sign_out attr:class="staff-sign-out">
                <button type="submit" class="button secondary">
                    {t!(i18n, staff.nav.sign_out)}
                </button>
            </ActionForm>
        </nav>
    }
}

/// Why a staff queue cannot be shown: signed out (with the way back), or unavailable.
fn queue_error(error: StaffError) -> AnyView {
    let i18n = use_i18n();
    match error {
        StaffError::Refused(crate::Refusal::NotSignedIn) => view! {
            <p class="alert" role="alert">
                {t!(i18n, staff.error.signed_out)} " "
                <a href="/staff">{t!(i18n, staff.error.sign_in_again)}</a>
            </p>
        }
        .into_any(),
        _ => view! { <p class="alert" role="alert">{t!(i18n, staff.error.unavailable)}</p> }
            .into_any(),
    }
}

/// The translated name of a debtor field key.
fn field_label(i18n: leptos_i18n::I18nContext<crate::i18n::Locale>, field: &str) -> String {
    let text = match field {
        "name" => t_string!(i18n, staff.field.name),
        "address" => t_string!(i18n, staff.field.address),
        "postcode" => t_string!(i18n, staff.field.postcode),
        "city" => t_string!(i18n, staff.field.city),
        "phone" => t_string!(i18n, staff.field.phone),
        "email" => t_string!(i18n, staff.field.email),
        "customer_number" => t_string!(i18n, staff.field.customer_number),
        "birth_date" => t_string!(i18n, staff.field.birth_date),
        "id_document_number" => t_string!(i18n, staff.field.id_document_number),
        "kvk_number" => t_string!(i18n, staff.field.kvk_number),
        "vat_number" => t_string!(i18n, staff.field.vat_number),
        other => return other.to_owned(),
    };
    text.to_string()
}

/// The translated name of a correction status.
fn correction_status_label(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    status: &str,
) -> String {
    let text = match status {
        "submitted" => t_string!(i18n, staff.correction_status.submitted),
        "accepted" => t_string!(i18n, staff.correction_status.accepted),
        "rejected" => t_string!(i18n, staff.correction_status.rejected),
        other => return other.to_owned(),
    };
    text.to_string()
}

/// A value, or a dash for an empty one.
fn shown(value: Option<String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "—".to_owned())
}
