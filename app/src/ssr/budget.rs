//! The income and expenses statement on the server (issue 21): checking a sent statement with
//! `domain::budget::check`, refusing a plan that asks more a month than it leaves, proposing
//! the plan for review and keeping the statement with it; the statement page's data; the
//! statement as staff and the personal-data page see it.
//!
//! The form is a plain multipart POST to `/dossier/plan/budget` (a route in the server crate,
//! which streams the files and calls [`submit`]); a refusal goes back to the page in the
//! short-lived HttpOnly cookie [`RETURN_COOKIE`] (what was typed and what was wrong, read
//! once), never in the URL, where income figures would end up in logs and browser history.

use super::Services;
use crate::budget::{
    BudgetFileRow, BudgetForm, BudgetPage, BudgetView, FieldProblem, FileProblem, FinancialRecord,
    FormProblem, LineView, MAX_REASON_CHARS, Problems, Returned, read_statement,
};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use claim::dutch_date;
use disputes::attachment::{AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload};
use domain::budget::{self, Budget, BudgetCheck, BudgetLine, Sign, Verdict};
use domain::{DossierId, DossierNumber, Money, PlanId};
use plans::PlansError;
use std::net::IpAddr;
use store::{BudgetVerdict, PlanBudget, PlanStatus};

/// The cookie that carries a refused form back to the page (read once, 10 minutes at most).
pub const RETURN_COOKIE: &str = "dp_budget";

/// Its largest value: browsers keep about 4 KB per cookie, name and attributes included.
const MAX_COOKIE_VALUE: usize = 3_600;

fn line(l: &BudgetLine) -> LineView {
    LineView {
        key: l.key().to_owned(),
        amount: l.amount(),
        sign: match l.sign() {
            Sign::Plus => "plus",
            Sign::Minus => "minus",
            Sign::Equals => "equals",
            Sign::Info => "info",
        }
        .to_owned(),
    }
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::CanPay { .. } => "can_pay",
        Verdict::BelowProtected => "below_protected",
        Verdict::FixedCostsExceedIncome => "fixed_costs_exceed_income",
    }
}

fn store_verdict(v: Verdict) -> BudgetVerdict {
    match v {
        Verdict::CanPay { .. } => BudgetVerdict::CanPay,
        Verdict::BelowProtected => BudgetVerdict::BelowProtected,
        Verdict::FixedCostsExceedIncome => BudgetVerdict::FixedCostsExceedIncome,
    }
}

/// A check as the pages show it.
pub fn view_of(
    check: &BudgetCheck,
    sent_on: Option<NaiveDate>,
    files: Vec<BudgetFileRow>,
) -> BudgetView {
    let protected = check.protected();
    BudgetView {
        household: check.household().as_str().to_owned(),
        lines: check.lines().iter().map(line).collect(),
        protected_lines: protected.lines().iter().map(line).collect(),
        protected: protected.amount(),
        protected_basis: match protected.basis() {
            budget::ProtectedBasis::LowIncome => "low_income",
            budget::ProtectedBasis::MiddleIncomeBound => "middle_income_bound",
            budget::ProtectedBasis::Maximum => "maximum",
        }
        .to_owned(),
        table_from: protected.period_from(),
        source: protected.source().to_owned(),
        unconfirmed: protected.provenance() != budget::Provenance::Published,
        stale_since: check.stale_since(),
        capacity_lines: check.capacity_lines().iter().map(line).collect(),
        capacity: check.capacity(),
        verdict: verdict_text(check.verdict()).to_owned(),
        sent_on,
        files,
    }
}

fn file_rows(files: &[store::BudgetFileMeta]) -> Vec<BudgetFileRow> {
    files
        .iter()
        .map(|f| BudgetFileRow {
            id: f.id.clone(),
            name: f.filename.clone(),
            size_kb: (f.size_bytes + 1023) / 1024,
        })
        .collect()
}

/// A kept statement, checked again on the day it was sent (the same figures, so the same
/// lines the debtor saw).
pub fn stored_view(kept: &PlanBudget) -> Option<BudgetView> {
    let input = budget::BudgetInput {
        household: kept.household,
        net_income: kept.net_income,
        housing: kept.housing,
        health_insurance: kept.health_insurance,
        childcare: kept.childcare,
        other_debts: kept.other_debts,
        other_fixed: kept.other_fixed,
    };
    let sent_on = dutch_date(kept.created_at);
    let checked = Budget::new(input)
        .map_err(|e| e.to_string())
        .and_then(|b| budget::check(&b, sent_on, budget::current()).map_err(|e| e.to_string()));
    match checked {
        Ok(check) => Some(view_of(&check, Some(sent_on), file_rows(&kept.files))),
        Err(e) => {
            tracing::error!(error = %e, plan = %kept.plan_id, "a kept statement does not check");
            None
        }
    }
}

/// The check of a form, when its amounts can be read.
fn check_form(form: &BudgetForm, today: NaiveDate) -> Option<BudgetCheck> {
    let input = read_statement(form).ok()?;
    let budget = Budget::new(input).ok()?;
    budget::check(&budget, today, budget::current()).ok()
}

/// The cookie value for a refused form: base64url of its JSON, the reason shortened when the
/// whole would not fit in a cookie.
pub fn returned_cookie_value(returned: &Returned) -> String {
    let mut returned = returned.clone();
    loop {
        let json = serde_json::to_vec(&returned).unwrap_or_default();
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        if value.len() <= MAX_COOKIE_VALUE || returned.form.reason.is_empty() {
            return value;
        }
        let keep = returned.form.reason.chars().count() * 3 / 4;
        returned.form.reason = returned.form.reason.chars().take(keep).collect();
    }
}

fn returned_from_cookie(value: &str) -> Option<Returned> {
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

/// The refused form this request carries, if any; the cookie is removed so that a reload shows
/// the empty form.
fn take_returned(services: &Services) -> Option<Returned> {
    let value = super::session::take_cookie(RETURN_COOKIE, &services.settings)?;
    returned_from_cookie(&value)
}

fn unavailable(e: impl std::fmt::Display) -> crate::Refusal {
    tracing::error!(error = %e, "income and expenses statement");
    crate::Refusal::Unavailable
}

/// The statement page: the form (with a refused form back in it), or the statement sent with
/// the plan in play.
pub async fn page(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<BudgetPage, crate::Refusal> {
    let plans = services.plans.as_ref().ok_or(crate::Refusal::Unavailable)?;
    let today = dutch_date(now);
    let current = plans
        .plan_for_debtor(dossier_id)
        .await
        .map_err(unavailable)?;
    let in_play = current.as_ref().is_some_and(|c| {
        matches!(
            c.plan.status,
            PlanStatus::Active | PlanStatus::NeedsReview | PlanStatus::Proposed
        )
    });
    // The statement of the plan in play, or else of the last plan it came with.
    let kept = services
        .store
        .plan_budgets_for_dossier(dossier_id)
        .await
        .map_err(unavailable)?;
    let sent = match &current {
        Some(c) if in_play => kept.iter().find(|b| b.plan_id == c.plan.id),
        _ => kept.first(),
    }
    .and_then(stored_view);
    let returned = take_returned(services);
    let returned_check = returned
        .as_ref()
        .and_then(|r| check_form(&r.form, today))
        .map(|c| view_of(&c, None, Vec::new()));
    let rules = plans
        .rules_for_dossier(dossier_id)
        .await
        .map_err(unavailable)?
        .rules;
    let open_total = plans
        .open_balance(dossier_id, today)
        .await
        .map_err(unavailable)?;
    let limits = rules.limits(open_total);
    Ok(BudgetPage {
        sent,
        plan_in_play: in_play,
        returned,
        returned_check,
        min_monthly_amount: limits.min_monthly_amount,
        max_months: limits.max_months_for_balance,
        open_total,
        max_files: MAX_ATTACHMENTS,
        max_file_mb: MAX_ATTACHMENT_BYTES / (1024 * 1024),
    })
}

/// A sent form: what was typed and the files.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub form: BudgetForm,
    pub uploads: Vec<Upload>,
}

/// Checks a sent statement and the plan it comes with; when everything holds, proposes the
/// plan for review and keeps the statement and its files with it (audited as
/// `plan.budget.submitted`). Nothing is kept when anything is refused.
pub async fn submit(
    services: &Services,
    dossier_id: &DossierId,
    number: &DossierNumber,
    filing: Filing,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<PlanId, Problems> {
    let form = &filing.form;
    let refuse = |form: FormProblem| Problems {
        form: Some(form),
        ..Problems::default()
    };
    let plans = services
        .plans
        .as_ref()
        .ok_or_else(|| refuse(FormProblem::Offline))?;
    let mut problems = Problems::default();
    let statement = match read_statement(form) {
        Ok(input) => Some(input),
        Err(fields) => {
            problems.fields = fields;
            None
        }
    };
    let request = match crate::plan_choice::parse(&form.months, &form.amount) {
        Ok(Some(request)) => Some(request),
        Ok(None) => {
            problems
                .fields
                .push(("amount".to_owned(), FieldProblem::Required));
            None
        }
        Err(crate::errors::PlanFormError::Months) => {
            problems
                .fields
                .push(("months".to_owned(), FieldProblem::Plan));
            None
        }
        Err(_) => {
            problems
                .fields
                .push(("amount".to_owned(), FieldProblem::Plan));
            None
        }
    };
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        problems
            .fields
            .push(("reason".to_owned(), FieldProblem::Required));
    } else if reason.chars().count() > MAX_REASON_CHARS {
        problems
            .fields
            .push(("reason".to_owned(), FieldProblem::TooLong));
    }
    let uploads = disputes::attachment::sent(&filing.uploads);
    let mut attachments = Vec::with_capacity(uploads.len());
    if uploads.len() > MAX_ATTACHMENTS {
        problems.files = Some((FileProblem::TooMany, String::new()));
    } else {
        for upload in uploads {
            match disputes::attachment::check(upload) {
                Ok(file) => attachments.push(file),
                Err(e) => {
                    problems.files = Some(match e {
                        AttachmentError::Type { filename } => (FileProblem::Type, filename),
                        AttachmentError::TooLarge { filename, .. } => {
                            (FileProblem::TooLarge, filename)
                        }
                        AttachmentError::Empty { filename } => (FileProblem::Empty, filename),
                    });
                    break;
                }
            }
        }
    }
    let (Some(statement), Some(request), true) = (statement, request, problems.is_empty()) else {
        return Err(problems);
    };

    let today = dutch_date(now);
    let checked = Budget::new(statement)
        .map_err(|e| e.to_string())
        .and_then(|b| budget::check(&b, today, budget::current()).map_err(|e| e.to_string()));
    let check = match checked {
        Ok(check) => check,
        Err(e) => {
            tracing::error!(error = %e, "income and expenses check");
            return Err(refuse(FormProblem::Unavailable));
        }
    };
    // Below the protected level, or the fixed costs take everything: no plan at all.
    if !matches!(check.verdict(), Verdict::CanPay { .. }) {
        return Err(refuse(FormProblem::NothingPayable));
    }
    let preview = match plans.preview(dossier_id, request, today).await {
        Ok(p) => p,
        Err(PlansError::Impossible(_)) => {
            let field = if form.months.trim().is_empty() {
                "amount"
            } else {
                "months"
            };
            problems.fields.push((field.to_owned(), FieldProblem::Plan));
            return Err(problems);
        }
        Err(e) => return Err(refuse(plan_problem(e))),
    };
    if !preview.balance.is_positive() {
        return Err(refuse(FormProblem::NothingToPlan));
    }
    if preview.within_rules() {
        return Err(refuse(FormProblem::WithinRules));
    }
    let asked = preview
        .rows
        .iter()
        .map(|i| i.amount())
        .max()
        .unwrap_or(Money::ZERO);
    if !check.allows(asked) {
        return Err(refuse(FormProblem::OverCapacity {
            asked,
            capacity: check.capacity(),
        }));
    }

    let proposed = plans
        .propose(dossier_id, request, Some(reason), now)
        .await
        .map_err(|e| refuse(plan_problem(e)))?;
    let plan_id = proposed.plan.id.clone();
    let kept = store::NewPlanBudget {
        plan_id: plan_id.clone(),
        dossier_id: dossier_id.clone(),
        household: check.household(),
        net_income: statement.net_income,
        housing: statement.housing,
        health_insurance: statement.health_insurance,
        childcare: statement.childcare,
        other_debts: statement.other_debts,
        other_fixed: statement.other_fixed,
        protected: check.protected().amount(),
        capacity: check.capacity(),
        verdict: store_verdict(check.verdict()),
        table_from: check.protected().period_from(),
        created_at: now,
        attachments,
    };
    let audit = store::NewAuditEvent {
        at: now,
        actor_kind: store::ActorKind::Debtor,
        actor_id: Some(number.to_string()),
        dossier_id: Some(dossier_id.clone()),
        action: "plan.budget.submitted".into(),
        // The figures stay in their own table (deleted on their own schedule); the audit log,
        // kept as long as the dossier, says only that a statement came and what it concluded.
        detail: serde_json::json!({
            "verdict": verdict_text(check.verdict()),
            "capacity": check.capacity(),
            "asked": asked,
        }),
        client_ip: ip.map(|ip| ip.to_string()),
        counsellor: None,
    };
    if let Err(e) = services.store.save_plan_budget(&kept, &audit).await {
        tracing::error!(error = %e, plan = %plan_id, "keeping an income and expenses statement");
        return Err(refuse(FormProblem::Unavailable));
    }
    Ok(plan_id)
}

fn plan_problem(e: PlansError) -> FormProblem {
    match e {
        PlansError::PlanInPlay => FormProblem::PlanInPlay,
        PlansError::Impossible(_) => FormProblem::NothingToPlan,
        other => {
            tracing::error!(error = %other, "plan with a statement");
            FormProblem::Unavailable
        }
    }
}

/// The statements on the personal-data page and in the export: what was sent, what it
/// concluded, its files and how long it is kept (`domain::plan_budget_kept_until`).
pub async fn financial_records(
    services: &Services,
    dossier_id: &DossierId,
) -> Result<Vec<FinancialRecord>, store::StoreError> {
    let kept = services.store.plan_budgets_for_dossier(dossier_id).await?;
    Ok(kept
        .into_iter()
        .map(|b| FinancialRecord {
            sent_on: dutch_date(b.created_at),
            household: b.household.as_str().to_owned(),
            net_income: b.net_income,
            housing: b.housing,
            health_insurance: b.health_insurance,
            childcare: b.childcare,
            other_debts: b.other_debts,
            other_fixed: b.other_fixed,
            protected: b.protected,
            capacity: b.capacity,
            verdict: b.verdict.as_str().to_owned(),
            plan_status: b.plan_status.as_str().to_owned(),
            keep_until: b
                .plan_ended_at
                .map(|ended| dutch_date(domain::plan_budget_kept_until(ended))),
            files: file_rows(&b.files),
        })
        .collect())
}

/// A file of the debtor's own dossier, or `None` (another dossier's file looks like none).
pub async fn file_for_debtor(
    services: &Services,
    dossier_id: &DossierId,
    id: &domain::BudgetFileId,
) -> Result<Option<store::BudgetFile>, store::StoreError> {
    services.store.budget_file_of_dossier(id, dossier_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_form_fits_in_its_cookie_and_comes_back() {
        let mut returned = Returned::default();
        returned.form.net_income = "1.650,00".into();
        returned.form.reason = "Ik heb minder inkomen sinds ik ziek ben.".into();
        let value = returned_cookie_value(&returned);
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(returned_from_cookie(&value), Some(returned.clone()));
        // A long reason in a script of three bytes a character is shortened, the figures kept.
        returned.form.reason = "€".repeat(MAX_REASON_CHARS);
        let value = returned_cookie_value(&returned);
        assert!(value.len() <= MAX_COOKIE_VALUE);
        let back = returned_from_cookie(&value).unwrap();
        assert_eq!(back.form.net_income, "1.650,00");
        assert!(!back.form.reason.is_empty());
    }
}
