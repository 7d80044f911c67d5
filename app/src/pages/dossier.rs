use crate::errors::PortalError;
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

/// What the dossier page shows at the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierSummary {
    pub number: String,
    /// A QR-link session may pay but not see personal data.
    pub pay_only: bool,
}

/// The signed-in debtor's dossier (only ever their own: the id comes from the session).
#[server(prefix = "/api", endpoint = "dossier_summary")]
pub async fn get_dossier_summary() -> Result<DossierSummary, PortalError> {
    let (services, current) = crate::ssr::require_session().await?;
    let dossier_id = current
        .session
        .dossier_id
        .clone()
        .ok_or(PortalError::NotSignedIn)?;
    let dossier = services
        .store
        .dossier(&dossier_id)
        .await
        .map_err(|e| crate::ssr::unavailable("dossier", e))?
        .ok_or(PortalError::NotSignedIn)?;
    Ok(DossierSummary {
        number: dossier.number,
        pay_only: current.session.kind == store::SessionKind::PayOnly,
    })
}

/// Ends the session on the server and removes the cookie.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), PortalError> {
    use crate::ssr::{services, session};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(PortalError::from_server_fn_error)?;
    let parts = expect_context::<http::request::Parts>();
    if let Some(token) = session::token_from_headers(&parts.headers) {
        services
            .store
            .delete_session(token.expose())
            .await
            .map_err(|e| crate::ssr::unavailable("sign out", e))?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        session::clear_cookie(&services.settings),
    );
    leptos_axum::redirect("/");
    Ok(())
}

/// Home after sign-in.
#[component]
pub fn Dossier() -> impl IntoView {
    let i18n = use_i18n();
    let header = Resource::new(|| (), |_| get_dossier_summary());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text=move || t_string!(i18n, dossier.page_title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match header.await {
                    Ok(h) => {
                        view! {
                            <section class="card" aria-labelledby="dossier-heading">
                                <h1 id="dossier-heading">{t!(i18n, dossier.heading)}</h1>
                                <p>
                                    {t!(i18n, dossier.number_label)} " "
                                    <strong data-testid="dossier-number">{h.number.clone()}</strong>
                                </p>
                            </section>
                            <ActionForm action=sign_out attr:class="form">
                                <button type="submit" class="button secondary">
                                    {t!(i18n, dossier.sign_out)}
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                    Err(PortalError::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                    Err(_) => {
                        view! {
                            <p class="alert" role="alert">
                                {t!(i18n, common.unavailable)}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
