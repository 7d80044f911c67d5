//! Server-rendered HTML: the order list and the hosted payment page. No JavaScript;
//! readable at 360 px wide.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::delivery::with_query;
use super::{SimError, SimOrder, SimState, Transition};
use crate::status::PaymentState;

/// iDEAL issuers offered on the test page: (BIC, name).
pub(super) const BANKS: &[(&str, &str)] = &[
    ("ABNANL2A", "ABN AMRO"),
    ("ASNBNL21", "ASN Bank"),
    ("BUNQNL2A", "bunq"),
    ("INGBNL2A", "ING"),
    ("KNABNL2H", "Knab"),
    ("NTSBDEB1", "N26"),
    ("NNBANL2G", "Nationale-Nederlanden"),
    ("RABONL2U", "Rabobank"),
    ("RBRBNL21", "RegioBank"),
    ("REVOLT21", "Revolut"),
    ("SNSBNL2A", "SNS"),
    ("TRIONL2U", "Triodos Bank"),
    ("FVLBNL22", "Van Lanschot Kempen"),
    ("BITSNL2A", "Yoursafe"),
];

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;color:#111827;line-height:1.4}
main{max-width:30rem;margin:0 auto;padding:1rem}
main.wide{max-width:60rem}
.card{background:#fff;border-radius:.75rem;padding:1rem;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:1rem}
.badge{display:inline-block;background:#fde68a;color:#78350f;border-radius:.25rem;padding:.1rem .4rem;font-size:.8rem;font-weight:600}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
small,.en{color:#6b7280;font-size:.8rem}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:600;margin-bottom:.5rem}
label.bank{display:flex;align-items:center;gap:.6rem;padding:.7rem;border:1px solid #d1d5db;border-radius:.5rem;margin-bottom:.4rem;min-height:2.75rem}
button{display:block;width:100%;padding:.85rem;border:0;border-radius:.5rem;font-size:1rem;font-weight:600;margin-bottom:.5rem;cursor:pointer}
.pay{background:#15803d;color:#fff}.cancel{background:#e5e7eb;color:#111827}.expire{background:#fff;color:#b91c1c;border:1px solid #fca5a5}
table{width:100%;border-collapse:collapse;font-size:.9rem}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.scroll{overflow-x:auto}
code{font-size:.85rem;word-break:break-all}
a{color:#1d4ed8}
h1{font-size:1.5rem;margin:.5rem 0}
";

fn layout(title: &str, wide: bool, body: &str) -> Html<String> {
    let class = if wide { " class=\"wide\"" } else { "" };
    Html(format!(
        "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main{class}>{body}</main></body></html>",
        title = esc(title),
    ))
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Dutch notation, integer arithmetic: 123456 → "€ 1.234,56".
fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}€ {grouped},{:02}", abs % 100)
}

fn state_label(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Pending => "Open",
        PaymentState::PartialPayment => "Deels betaald",
        PaymentState::Verify => "Te controleren",
        PaymentState::Authorized => "Geautoriseerd",
        PaymentState::PartlyCaptured => "Deels geïnd",
        PaymentState::Paid => "Betaald",
        PaymentState::PaidAmountMismatch => "Betaald, ander bedrag",
        PaymentState::Failed => "Mislukt",
        PaymentState::Voided => "Vervallen",
        PaymentState::Cancelled => "Geannuleerd",
        PaymentState::Denied => "Geweigerd",
        PaymentState::Expired => "Verlopen",
        PaymentState::Refunded => "Terugbetaald",
        PaymentState::PartiallyRefunded => "Deels terugbetaald",
        PaymentState::Chargeback => "Gestorneerd",
    }
}

pub(super) async fn index(State(state): State<SimState>) -> Html<String> {
    let data = state.lock();
    let mut rows = String::new();
    for order in data.orders.iter().rev() {
        rows.push_str(&format!(
            "<tr><td><a href=\"/pay/{id}\">{order_id}</a><br><small>{reference}</small></td>\
             <td>{description}</td><td>{amount}</td><td>{label}<br><small>{code}</small></td>\
             <td><a href=\"/_sim/orders/{id}\">JSON</a> · <a href=\"/_sim/exchanges?order={id}\">exchange</a></td></tr>",
            id = esc(&order.id),
            order_id = esc(&order.order_id),
            reference = esc(order.reference.as_deref().unwrap_or("")),
            description = esc(&order.description),
            amount = euros(order.amount),
            label = state_label(order.state()),
            code = order.code,
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"5\">Nog geen orders. <span class=\"en\">No orders yet.</span></td></tr>");
    }
    let body = format!(
        "<div class=\"card\"><span class=\"badge\">SIMULATOR</span>\
         <h1>Pay.nl testomgeving</h1>\
         <p>Orders die via <code>POST /v1/orders</code> zijn aangemaakt. Klik op een order om de betaalpagina te openen.<br>\
         <span class=\"en\">Orders created through the API; open one to reach its payment page.</span></p></div>\
         <div class=\"card scroll\"><table><tr><th>Order</th><th>Omschrijving</th><th>Bedrag</th><th>Status</th><th></th></tr>{rows}</table></div>\
         <div class=\"card\"><h2>Control API <small>(JSON, for tests)</small></h2><ul>\
         <li><code>GET /_sim/orders</code>, <code>GET /_sim/orders/{{id}}</code></li>\
         <li><code>POST /_sim/orders/{{id}}/pay</code> <small>{{\"bank\", \"amount\"}}</small>, <code>/cancel</code>, <code>/expire</code>, \
         <code>/refund</code> <small>{{\"amount\", \"description\"}}</small>, <code>/chargeback</code> <small>{{\"code\": -71}}</small> \
         <small>(an EX- transaction, announced as an unsigned form call)</small></li>\
         <li><code>POST /_sim/orders/{{id}}/resend</code>, <code>/exchange</code> <small>{{\"code\": 20}}</small></li>\
         <li><code>GET|DELETE /_sim/exchanges</code> <small>?order=</small>, <code>POST /_sim/exchanges/{{call_id}}/resend</code></li>\
         <li><code>GET|POST|DELETE /_sim/faults</code> <small>{{\"api_error\":{{\"count\":2,\"status\":503}}, \"api_stall\":{{\"ms\":10000}}, \"exchange_drop\":{{}}, \"exchange_delay\":{{\"ms\":500}}, \"exchange_duplicate\":{{\"count\":1}}}}</small></li>\
         <li>REST API: <code>GET /v2/transactions/{{id}}</code> <small>(EX- refunds and chargebacks, orders by order id)</small></li>\
         <li><code>POST /_sim/reset</code></li></ul></div>"
    );
    layout("Pay.nl simulator", true, &body)
}

pub(super) async fn payment_page(
    State(state): State<SimState>,
    Path(id): Path<String>,
) -> Response {
    let data = state.lock();
    match data.find(&id) {
        Some(order) => render_payment(order).into_response(),
        None => not_found(),
    }
}

fn render_payment(order: &SimOrder) -> Html<String> {
    let head = format!(
        "<div class=\"card\"><span class=\"badge\">TEST</span> <small>Pay.nl simulator</small>\
         <p class=\"amount\">{amount}</p><div>{description}</div>\
         <small>Kenmerk <span class=\"en\">(reference)</span>: {reference} · Order {order_id}</small></div>",
        amount = euros(order.amount),
        description = esc(&order.description),
        reference = esc(order.reference.as_deref().unwrap_or("-")),
        order_id = esc(&order.order_id),
    );
    let state = order.state();
    if state.is_final() {
        let back = order
            .return_url
            .as_deref()
            .map(|url| {
                format!(
                    "<p><a href=\"{}\">Terug naar de webwinkel</a> <span class=\"en\">(back to the shop)</span></p>",
                    esc(&return_target(order, url))
                )
            })
            .unwrap_or_default();
        let body = format!(
            "{head}<div class=\"card\"><h1>{label}</h1>\
             <p>Deze betaling is afgerond. <span class=\"en\">This payment is finished (status {code}).</span></p>{back}</div>",
            label = state_label(state),
            code = order.code,
        );
        return layout("Betaling afgerond", false, &body);
    }
    let mut banks = String::new();
    for (i, (bic, name)) in BANKS.iter().enumerate() {
        banks.push_str(&format!(
            "<label class=\"bank\"><input type=\"radio\" name=\"bank\" value=\"{bic}\"{checked}> {name}</label>",
            checked = if i == 0 { " checked" } else { "" },
        ));
    }
    let body = format!(
        "{head}<form class=\"card\" method=\"post\" action=\"/pay/{id}\">\
         <fieldset><legend>Kies je bank <span class=\"en\">(choose your bank, iDEAL test)</span></legend>{banks}</fieldset>\
         <button class=\"pay\" name=\"choice\" value=\"pay\">Betalen <span class=\"en\" style=\"color:#dcfce7\">(pay)</span></button>\
         <button class=\"cancel\" name=\"choice\" value=\"cancel\">Annuleren <span class=\"en\">(cancel)</span></button>\
         <button class=\"expire\" name=\"choice\" value=\"expire\">Laten verlopen <span class=\"en\">(let it expire)</span></button>\
         </form>",
        id = esc(&order.id),
    );
    layout("Betalen met iDEAL (test)", false, &body)
}

/// The return URL with Pay.nl's query parameters (never to be trusted by the shop).
fn return_target(order: &SimOrder, url: &str) -> String {
    let action = order.state().code_and_action().1;
    let code = order.code.to_string();
    with_query(
        url,
        &[
            ("id", order.id.as_str()),
            ("statusAction", action),
            ("statusCode", code.as_str()),
            ("reference", order.reference.as_deref().unwrap_or("")),
        ],
    )
}

#[derive(Deserialize)]
pub(super) struct Choice {
    choice: String,
    #[serde(default)]
    bank: Option<String>,
}

pub(super) async fn payment_choice(
    State(state): State<SimState>,
    Path(id): Path<String>,
    Form(form): Form<Choice>,
) -> Response {
    let bank = form.bank.and_then(|bic| {
        BANKS
            .iter()
            .find(|(b, _)| *b == bic)
            .map(|(_, name)| name.to_string())
    });
    let transition = match form.choice.as_str() {
        "pay" => Transition::Pay { bank, amount: None },
        "cancel" => Transition::Cancel,
        "expire" => Transition::Expire,
        _ => return (StatusCode::BAD_REQUEST, "unknown choice").into_response(),
    };
    match state.apply(&id, transition) {
        // A repeated submit (back button) lands on the finished page below.
        Ok(_) | Err(SimError::Conflict(_)) => {}
        Err(SimError::NotFound) => return not_found(),
    }
    let data = state.lock();
    let Some(order) = data.find(&id) else {
        return not_found();
    };
    match order.return_url.as_deref() {
        // 303 so the browser follows with GET.
        Some(url) => Redirect::to(&return_target(order, url)).into_response(),
        None => render_payment(order).into_response(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        layout(
            "Niet gevonden",
            false,
            "<div class=\"card\"><h1>Order niet gevonden</h1><p class=\"en\">No such order.</p><p><a href=\"/\">Alle orders</a></p></div>",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_use_dutch_notation() {
        assert_eq!(euros(5), "€ 0,05");
        assert_eq!(euros(123_456), "€ 1.234,56");
        assert_eq!(euros(100_000_000), "€ 1.000.000,00");
        assert_eq!(euros(-1999), "-€ 19,99");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
