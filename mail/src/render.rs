//! A [`Notice`] as a message in the debtor's language: a subject, plain text and simple
//! HTML (no images, no tracking, no links but the portal's start page), with the agency's
//! name, address and Wki number at the foot. The texts are in `locales/{nl,en}.json`.

use std::collections::HashMap;
use std::sync::OnceLock;

use domain::{Lang, Money, Notice};

/// Who writes: the agency as the debtor must be able to identify it (Wki: name, address,
/// registration number), and the portal's start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    pub name: String,
    pub street: String,
    pub postcode_city: String,
    pub wki_number: String,
    pub kvk: String,
    pub phone: String,
    pub email: String,
    /// The portal's start page (never a link with a code in it).
    pub portal_url: String,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One block of a message body.
enum Block {
    Paragraph(String),
    /// Label and amount (or date) lines, as a small table.
    Lines(Vec<(String, String)>),
}

type Texts = HashMap<String, String>;

fn texts(lang: Lang) -> &'static Texts {
    static NL: OnceLock<Texts> = OnceLock::new();
    static EN: OnceLock<Texts> = OnceLock::new();
    let (cell, source) = match lang {
        Lang::Nl => (&NL, include_str!("../locales/nl.json")),
        Lang::En => (&EN, include_str!("../locales/en.json")),
    };
    // A test parses both files and checks they hold the same keys.
    cell.get_or_init(|| serde_json::from_str(source).unwrap_or_default())
}

/// The text for `key` in `lang` with `{name}` placeholders filled in.
fn t(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = texts(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned());
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// `notice` to `name` about dossier `number`, in `lang`.
pub fn render(
    notice: &Notice,
    lang: Lang,
    name: &str,
    number: &str,
    letterhead: &Letterhead,
) -> Rendered {
    let money = |m: Money| m.format(lang);
    let date = |d| lang.date(d);
    let (subject, mut body) = match notice {
        Notice::PaymentReceived {
            amount,
            paid_on,
            costs,
            interest,
            principal,
            credit,
            open_after,
        } => {
            let amount = money(*amount);
            let mut lines: Vec<(String, String)> = [
                ("payment_received.costs", *costs),
                ("payment_received.interest", *interest),
                ("payment_received.principal", *principal),
                ("payment_received.credit", *credit),
            ]
            .into_iter()
            .filter(|(_, m)| !m.is_zero())
            .map(|(key, m)| (t(lang, key, &[]), money(m)))
            .collect();
            lines.push((
                t(lang, "payment_received.open_after", &[]),
                money(*open_after),
            ));
            (
                t(lang, "payment_received.subject", &[("amount", &amount)]),
                vec![
                    Block::Paragraph(t(
                        lang,
                        "payment_received.body",
                        &[("amount", &amount), ("date", &date(*paid_on))],
                    )),
                    Block::Paragraph(t(lang, "payment_received.rule", &[])),
                    Block::Lines(lines),
                ],
            )
        }
        Notice::PaidInFull { paid_on } => (
            t(lang, "paid_in_full.subject", &[]),
            vec![Block::Paragraph(t(
                lang,
                "paid_in_full.body",
                &[("date", &date(*paid_on))],
            ))],
        ),
        Notice::PlanAgreed { instalments } => (
            t(lang, "plan_agreed.subject", &[]),
            vec![
                Block::Paragraph(t(lang, "plan_agreed.body", &[])),
                Block::Lines(
                    instalments
                        .iter()
                        .enumerate()
                        .map(|(i, (due, amount))| {
                            (
                                t(
                                    lang,
                                    "plan_agreed.instalment",
                                    &[("n", &(i + 1).to_string()), ("date", &date(*due))],
                                ),
                                money(*amount),
                            )
                        })
                        .collect(),
                ),
            ],
        ),
        Notice::InstalmentDue { due, amount } => {
            let args = [("amount", money(*amount)), ("date", date(*due))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (
                t(lang, "instalment_due.subject", &args),
                vec![
                    Block::Paragraph(t(lang, "instalment_due.body", &args)),
                    Block::Paragraph(t(lang, "reminders_off", &[])),
                ],
            )
        }
        Notice::InstalmentMissed { due, amount } => {
            let args = [("amount", money(*amount)), ("date", date(*due))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (
                t(lang, "instalment_missed.subject", &args),
                vec![
                    Block::Paragraph(t(lang, "instalment_missed.body", &args)),
                    Block::Paragraph(t(lang, "reminders_off", &[])),
                ],
            )
        }
        Notice::InstalmentMoved {
            was_due,
            now_due,
            amount,
            misses_left,
        } => {
            let args = [
                ("amount", money(*amount)),
                ("was", date(*was_due)),
                ("now", date(*now_due)),
                ("left", misses_left.to_string()),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let warning = if *misses_left == 0 {
                "instalment_moved.last"
            } else {
                "instalment_moved.left"
            };
            (
                t(lang, "instalment_moved.subject", &args),
                vec![
                    Block::Paragraph(t(lang, "instalment_moved.body", &args)),
                    Block::Paragraph(t(lang, warning, &args)),
                ],
            )
        }
        Notice::DeferralDecided {
            granted,
            pay_by,
            amount,
            note,
        } => {
            let args = [("amount", money(*amount)), ("date", date(*pay_by))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (subject, body) = if *granted {
                ("deferral_granted.subject", "deferral_granted.body")
            } else {
                ("deferral_refused.subject", "deferral_refused.body")
            };
            let mut blocks = vec![Block::Paragraph(t(lang, body, &args))];
            if let Some(note) = note {
                blocks.push(Block::Paragraph(note.clone()));
            }
            (t(lang, subject, &args), blocks)
        }
        Notice::DeferralDue { pay_by, amount } => {
            let args = [("amount", money(*amount)), ("date", date(*pay_by))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (
                t(lang, "deferral_due.subject", &args),
                vec![
                    Block::Paragraph(t(lang, "deferral_due.body", &args)),
                    Block::Paragraph(t(lang, "reminders_off", &[])),
                ],
            )
        }
        Notice::DeferralBroken { pay_by, amount } => {
            let args = [("amount", money(*amount)), ("date", date(*pay_by))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (
                t(lang, "deferral_broken.subject", &args),
                vec![Block::Paragraph(t(lang, "deferral_broken.body", &args))],
            )
        }
        Notice::CollectionPaused { until } => (
            t(lang, "collection_paused.subject", &[]),
            vec![Block::Paragraph(t(
                lang,
                "collection_paused.body",
                &[("date", &date(*until))],
            ))],
        ),
        Notice::CounsellorAccess {
            name,
            organisation,
            personal_data,
            by_staff,
        } => {
            let who = format!("{name} ({organisation})");
            let how = if *by_staff {
                "counsellor_access.by_staff"
            } else {
                "counsellor_access.by_code"
            };
            let what = if *personal_data {
                "counsellor_access.with_data"
            } else {
                "counsellor_access.claim_only"
            };
            (
                t(lang, "counsellor_access.subject", &[]),
                vec![
                    Block::Paragraph(t(lang, how, &[("name", &who)])),
                    Block::Paragraph(t(lang, what, &[])),
                    Block::Paragraph(t(lang, "counsellor_access.end", &[])),
                ],
            )
        }
        Notice::DisputeAcknowledged { answer_by } => (
            t(lang, "dispute_acknowledged.subject", &[]),
            vec![Block::Paragraph(t(
                lang,
                "dispute_acknowledged.body",
                &[("date", &date(*answer_by))],
            ))],
        ),
        Notice::DisputeDecided { upheld, note } => {
            let mut blocks = vec![Block::Paragraph(t(
                lang,
                if *upheld {
                    "dispute_decided.upheld"
                } else {
                    "dispute_decided.rejected"
                },
                &[],
            ))];
            if !note.trim().is_empty() {
                blocks.push(Block::Paragraph(t(
                    lang,
                    "dispute_decided.note",
                    &[("note", note.trim())],
                )));
            }
            blocks.push(Block::Paragraph(t(lang, "dispute_decided.next", &[])));
            (t(lang, "dispute_decided.subject", &[]), blocks)
        }
        Notice::CorrectionDecided {
            field,
            accepted,
            note,
        } => {
            // The field in words ("e-mailadres"), the stored key when the text has none.
            let field = texts(lang)
                .get(&format!("field.{field}"))
                .cloned()
                .unwrap_or_else(|| field.clone());
            let field = &field;
            let mut blocks = vec![Block::Paragraph(t(
                lang,
                if *accepted {
                    "correction_decided.accepted"
                } else {
                    "correction_decided.rejected"
                },
                &[("field", field)],
            ))];
            if let Some(note) = note.as_deref().filter(|n| !n.trim().is_empty()) {
                blocks.push(Block::Paragraph(t(
                    lang,
                    "correction_decided.note",
                    &[("note", note.trim())],
                )));
            }
            (t(lang, "correction_decided.subject", &[]), blocks)
        }
    };
    let mut blocks = vec![Block::Paragraph(t(lang, "greeting", &[("name", name)]))];
    blocks.append(&mut body);
    blocks.push(Block::Paragraph(t(lang, "about", &[("number", number)])));
    blocks.push(Block::Paragraph(t(
        lang,
        "portal",
        &[("url", &letterhead.portal_url)],
    )));
    blocks.push(Block::Paragraph(format!(
        "{}\n{}",
        t(lang, "closing", &[]),
        letterhead.name
    )));
    let footer = [
        format!(
            "{}, {}, {}",
            letterhead.name, letterhead.street, letterhead.postcode_city
        ),
        t(
            lang,
            "footer_wki",
            &[("wki", &letterhead.wki_number), ("kvk", &letterhead.kvk)],
        ),
        t(
            lang,
            "footer_contact",
            &[("phone", &letterhead.phone), ("email", &letterhead.email)],
        ),
    ];
    Rendered {
        text: plain_text(&blocks, &footer),
        html: html(lang, &subject, &blocks, &footer),
        subject,
    }
}

fn plain_text(blocks: &[Block], footer: &[String]) -> String {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(p) => out.push(p.clone()),
            Block::Lines(lines) => out.push(
                lines
                    .iter()
                    .map(|(label, value)| format!("  {label}: {value}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
    out.push(format!("--\n{}", footer.join("\n")));
    out.join("\n\n") + "\n"
}

fn html(lang: Lang, subject: &str, blocks: &[Block], footer: &[String]) -> String {
    use html_escape::encode_text as esc;
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(p) => {
                body.push_str("<p>");
                body.push_str(&esc(p).replace('\n', "<br>"));
                body.push_str("</p>\n");
            }
            Block::Lines(lines) => {
                body.push_str("<table role=\"presentation\" cellpadding=\"4\">\n");
                for (label, value) in lines {
                    body.push_str(&format!(
                        "<tr><td>{}</td><td style=\"text-align:right;white-space:nowrap\">{}</td></tr>\n",
                        esc(label),
                        esc(value)
                    ));
                }
                body.push_str("</table>\n");
            }
        }
    }
    let footer: Vec<String> = footer.iter().map(|l| esc(l).into_owned()).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family:sans-serif;line-height:1.5;max-width:40em\">\n{body}\
         <hr><p style=\"font-size:0.85em;color:#444\">{}</p>\n</body></html>\n",
        lang.code(),
        esc(subject),
        footer.join("<br>")
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn letterhead() -> Letterhead {
        Letterhead {
            name: "Incasso & Co".into(),
            street: "Kerkstraat 1".into(),
            postcode_city: "1234 AB Utrecht".into(),
            wki_number: "WKI-000123".into(),
            kvk: "12345678".into(),
            phone: "030 123 45 67".into(),
            email: "info@incasso.example".into(),
            portal_url: "https://portaal.incasso.example/".into(),
        }
    }

    #[test]
    fn both_languages_have_the_same_texts() {
        let nl: Texts = serde_json::from_str(include_str!("../locales/nl.json")).unwrap();
        let en: Texts = serde_json::from_str(include_str!("../locales/en.json")).unwrap();
        let mut nl_keys: Vec<_> = nl.keys().collect();
        let mut en_keys: Vec<_> = en.keys().collect();
        nl_keys.sort();
        en_keys.sort();
        assert_eq!(nl_keys, en_keys);
    }

    #[test]
    fn a_receipt_states_what_the_payment_paid_off_and_what_is_left() {
        let notice = Notice::PaymentReceived {
            amount: Money::from_cents(6000),
            paid_on: NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
            costs: Money::from_cents(840),
            interest: Money::from_cents(243),
            principal: Money::from_cents(4917),
            credit: Money::ZERO,
            open_after: Money::from_cents(24135),
        };
        let nl = render(
            &notice,
            Lang::Nl,
            "J. de Vries",
            "ISB-2000-000003",
            &letterhead(),
        );
        assert_eq!(nl.subject, "Betaling ontvangen: € 60,00");
        for part in [
            "Beste J. de Vries,",
            "17-11-2026",
            "Incassokosten: € 8,40",
            "Rente: € 2,43",
            "Hoofdsom: € 49,17",
            "Nog te betalen: € 241,35",
            "ISB-2000-000003",
            "WKI-000123",
            "Kerkstraat 1, 1234 AB Utrecht",
        ] {
            assert!(nl.text.contains(part), "{part} missing in\n{}", nl.text);
        }
        assert!(!nl.text.contains("Meer betaald"), "no credit line at zero");
        let en = render(
            &notice,
            Lang::En,
            "J. de Vries",
            "ISB-2000-000003",
            &letterhead(),
        );
        assert_eq!(en.subject, "Payment received: €60.00");
        assert!(en.text.contains("Still to pay: €241.35"), "{}", en.text);
        // HTML is escaped and carries no images or links but the portal's start page.
        assert!(nl.html.contains("Incasso &amp; Co"));
        assert!(!nl.html.contains("<img"));
        assert!(!nl.html.contains("<a "));
    }

    #[test]
    fn every_notice_renders_without_a_missing_text_in_both_languages() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let notices = [
            Notice::PaidInFull { paid_on: day },
            Notice::PlanAgreed {
                instalments: vec![(day, Money::from_cents(5000))],
            },
            Notice::InstalmentDue {
                due: day,
                amount: Money::from_cents(5000),
            },
            Notice::InstalmentMissed {
                due: day,
                amount: Money::from_cents(5000),
            },
            Notice::InstalmentMoved {
                was_due: day,
                now_due: day,
                amount: Money::from_cents(5000),
                misses_left: 1,
            },
            Notice::InstalmentMoved {
                was_due: day,
                now_due: day,
                amount: Money::from_cents(5000),
                misses_left: 0,
            },
            Notice::DeferralDecided {
                granted: true,
                pay_by: day,
                amount: Money::from_cents(5000),
                note: None,
            },
            Notice::DeferralDecided {
                granted: false,
                pay_by: day,
                amount: Money::from_cents(5000),
                note: Some("<b>".into()),
            },
            Notice::DeferralDue {
                pay_by: day,
                amount: Money::from_cents(5000),
            },
            Notice::DeferralBroken {
                pay_by: day,
                amount: Money::from_cents(5000),
            },
            Notice::CollectionPaused { until: day },
            Notice::CounsellorAccess {
                name: "<i>Sam</i>".into(),
                organisation: "Hulp".into(),
                personal_data: true,
                by_staff: false,
            },
            Notice::DisputeAcknowledged { answer_by: day },
            Notice::DisputeDecided {
                upheld: false,
                note: "<script>".into(),
            },
            Notice::CorrectionDecided {
                field: "email".into(),
                accepted: true,
                note: None,
            },
        ];
        for notice in &notices {
            for lang in Lang::ALL {
                let m = render(notice, lang, "A", "ISB-1", &letterhead());
                // A missing key would show as the key itself, e.g. "paid_in_full.body".
                assert!(
                    !m.text.contains(".subject") && !m.text.contains(".body"),
                    "{}",
                    m.text
                );
                assert!(
                    !m.subject.contains('{') && !m.text.contains('{'),
                    "{}",
                    m.text
                );
                assert!(!m.html.contains("<script>"));
                assert!(!m.text.contains("field."), "{}", m.text);
            }
        }
    }
}
