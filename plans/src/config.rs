//! The agency's plan rules, as the server reads them from its TOML config.

use std::collections::BTreeMap;

use domain::plan::{PlanRules, PlanRulesError};
use domain::{CreditorId, Money};
use serde::Deserialize;

/// The plan rules: the agency's defaults, and per creditor (by creditor id) the rules that
/// differ. Every field has a default, so an empty `[plans]` table is a valid config.
///
/// ```toml
/// [plans]
/// min_instalment_cents = 2500      # €25.00
/// max_months = 12
/// first_due_now = true
/// misses_before_default = 2
/// grace_days = 7
/// move_first_miss = true          # the first missed instalment moves to the end, once
/// interest_during_plan = true      # false: interest stops while a plan is kept
///
/// [plans.creditors.zorg]
/// max_months = 24
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// Every instalment but the last at least this much, in cents (default €25.00).
    pub min_instalment_cents: Money,
    /// At most this many instalments (default 12).
    pub max_months: u32,
    /// Whether the first instalment is due on the day the plan starts (default true);
    /// otherwise a month later.
    pub first_due_now: bool,
    /// A plan with this many late instalments (unpaid after due date + grace) is defaulted
    /// (default 2).
    pub misses_before_default: u32,
    /// Days after the due date before an unpaid instalment counts as late (default 7).
    pub grace_days: u32,
    /// Whether the first instalment a plan misses (unpaid after due date + grace) moves to
    /// the end of the plan instead of counting as late (default true): a tolerance once per
    /// plan, which the debtor sees and may still pay late. While it stays unpaid it counts
    /// towards `misses_before_default`, so with the default 2 the second miss defaults the
    /// plan; paid late, it no longer counts.
    pub move_first_miss: bool,
    /// Whether statutory interest keeps running on what is open during a plan (default
    /// true). `false`: no interest from the day after the plan became active for as long as
    /// it is active or until it is paid off; if the plan defaults, the waiver lapses and the
    /// interest is owed as if there had been no plan (the usual term of a betalingsregeling).
    /// Each plan records the rule it was made under, so a config change never reaches back.
    pub interest_during_plan: bool,
    /// Per creditor id: the rules that differ from the defaults above.
    pub creditors: BTreeMap<String, RuleOverrides>,
    /// Paying later in one sum (`[plans.deferral]`).
    pub deferral: DeferralConfig,
}

/// The rules for paying later in one sum, as configured; see [`domain::DeferralRules`].
///
/// ```toml
/// [plans.deferral]
/// max_days = 30                 # agreed at once up to 30 days ahead
/// max_open_cents = 250000       # for balances up to €2,500.00
/// grace_days = 3                # a payment on its way on the day still counts
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeferralConfig {
    /// Agreed at once up to this many days ahead (default 30); later goes to staff.
    pub max_days: u32,
    /// Agreed at once for open balances up to this, in cents (default €2,500.00).
    pub max_open_cents: Money,
    /// Days after the promised day before a deferral not paid in full ends (default 3).
    pub grace_days: u32,
}

impl Default for DeferralConfig {
    fn default() -> Self {
        let rules = domain::DeferralRules::default();
        DeferralConfig {
            max_days: rules.max_days(),
            max_open_cents: rules.max_open(),
            grace_days: 3,
        }
    }
}

impl DeferralConfig {
    /// The rules, or why they cannot be used.
    pub fn rules(&self) -> Result<domain::DeferralRules, domain::DeferralRulesError> {
        domain::DeferralRules::new(self.max_days, self.max_open_cents, self.grace_days)
    }
}

/// The rules one creditor sets differently; `None` takes the agency's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleOverrides {
    /// See [`PlanConfig::min_instalment_cents`].
    pub min_instalment_cents: Option<Money>,
    /// See [`PlanConfig::max_months`].
    pub max_months: Option<u32>,
    /// See [`PlanConfig::first_due_now`].
    pub first_due_now: Option<bool>,
    /// See [`PlanConfig::misses_before_default`].
    pub misses_before_default: Option<u32>,
    /// See [`PlanConfig::grace_days`].
    pub grace_days: Option<u32>,
    /// See [`PlanConfig::move_first_miss`].
    pub move_first_miss: Option<bool>,
    /// See [`PlanConfig::interest_during_plan`].
    pub interest_during_plan: Option<bool>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            min_instalment_cents: Money::from_cents(2_500),
            max_months: 12,
            first_due_now: true,
            misses_before_default: 2,
            grace_days: 7,
            move_first_miss: true,
            interest_during_plan: true,
            creditors: BTreeMap::new(),
            deferral: DeferralConfig::default(),
        }
    }
}

/// The rules in force for one creditor's dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditorRules {
    /// What a schedule must satisfy to be accepted at once.
    pub rules: PlanRules,
    /// Whether statutory interest keeps running while a plan on these rules is active (a
    /// plan records this when it is made: `store::NewPlan::interest_stops`).
    pub interest_during_plan: bool,
    /// Late instalments that default a plan (at least 1).
    pub misses_before_default: u32,
    /// Days after the due date before an unpaid instalment is late.
    pub grace_days: u32,
    /// Whether the first miss moves to the end of the plan (once per plan).
    pub move_first_miss: bool,
}

/// Why the plan config cannot be used. Refused at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The schedule rules are out of range.
    #[error("plan rules{}: {error}", for_creditor(.creditor))]
    Rules {
        /// The creditor whose overrides are wrong, or none for the defaults.
        creditor: Option<String>,
        /// What is wrong.
        error: PlanRulesError,
    },
    /// `misses_before_default` is zero: every plan would default at once.
    #[error("plans{}: misses_before_default must be at least 1", for_creditor(.0))]
    NoMissesAllowed(Option<String>),
    /// The deferral rules are out of range.
    #[error("plans.deferral: {0}")]
    Deferral(domain::DeferralRulesError),
    /// `grace_days` above a year.
    #[error("plans{}: grace_days must be at most 366", for_creditor(.0))]
    GraceTooLong(Option<String>),
}

fn for_creditor(creditor: &Option<String>) -> String {
    creditor
        .as_deref()
        .map(|c| format!(" for creditor {c}"))
        .unwrap_or_default()
}

impl PlanConfig {
    /// Checks the defaults and every creditor's rules; call at start-up.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.deferral.rules().map_err(ConfigError::Deferral)?;
        self.resolve(None, &RuleOverrides::default())?;
        for (creditor, overrides) in &self.creditors {
            self.resolve(Some(creditor), overrides)?;
        }
        Ok(())
    }

    /// The rules for a creditor's dossiers: its overrides over the defaults.
    pub fn rules_for(&self, creditor_id: &CreditorId) -> Result<CreditorRules, ConfigError> {
        match self.creditors.get(creditor_id.as_str()) {
            Some(overrides) => self.resolve(Some(creditor_id.as_str()), overrides),
            None => self.resolve(None, &RuleOverrides::default()),
        }
    }

    fn resolve(
        &self,
        creditor: Option<&str>,
        o: &RuleOverrides,
    ) -> Result<CreditorRules, ConfigError> {
        let who = || creditor.map(str::to_owned);
        let misses = o
            .misses_before_default
            .unwrap_or(self.misses_before_default);
        if misses == 0 {
            return Err(ConfigError::NoMissesAllowed(who()));
        }
        let grace_days = o.grace_days.unwrap_or(self.grace_days);
        if grace_days > 366 {
            return Err(ConfigError::GraceTooLong(who()));
        }
        let rules = PlanRules::new(
            o.min_instalment_cents.unwrap_or(self.min_instalment_cents),
            o.max_months.unwrap_or(self.max_months),
            o.first_due_now.unwrap_or(self.first_due_now),
        )
        .map_err(|error| ConfigError::Rules {
            creditor: who(),
            error,
        })?;
        Ok(CreditorRules {
            rules,
            interest_during_plan: o.interest_during_plan.unwrap_or(self.interest_during_plan),
            misses_before_default: misses,
            grace_days,
            move_first_miss: o.move_first_miss.unwrap_or(self.move_first_miss),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_table_gives_the_defaults_and_creditors_override_single_rules() {
        let config: PlanConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, PlanConfig::default());
        let rules = config.rules_for(&CreditorId::new("anyone")).unwrap();
        assert_eq!(rules.rules.min_instalment(), Money::from_cents(25_00));
        assert_eq!(rules.rules.max_months(), 12);
        assert!(rules.rules.first_due_now());
        assert_eq!((rules.misses_before_default, rules.grace_days), (2, 7));

        let config: PlanConfig = serde_json::from_value(serde_json::json!({
            "grace_days": 10,
            "creditors": { "zorg": { "max_months": 24, "first_due_now": false } }
        }))
        .unwrap();
        config.validate().unwrap();
        let zorg = config.rules_for(&CreditorId::new("zorg")).unwrap();
        assert_eq!(zorg.rules.max_months(), 24);
        assert!(!zorg.rules.first_due_now());
        assert_eq!(zorg.grace_days, 10);
        assert_eq!(
            config
                .rules_for(&CreditorId::new("other"))
                .unwrap()
                .rules
                .max_months(),
            12
        );
    }

    #[test]
    fn unusable_rules_are_refused_at_start_up() {
        let freeze = PlanConfig {
            interest_during_plan: false,
            ..PlanConfig::default()
        };
        freeze.validate().unwrap();
        assert!(
            !freeze
                .rules_for(&CreditorId::new("any"))
                .unwrap()
                .interest_during_plan
        );
        let mut config = PlanConfig::default();
        config.creditors.insert(
            "zorg".into(),
            RuleOverrides {
                max_months: Some(0),
                ..RuleOverrides::default()
            },
        );
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Rules { creditor: Some(c), error: PlanRulesError::MaxMonthsOutOfRange }) if c == "zorg"
        ));
        let no_misses = PlanConfig {
            misses_before_default: 0,
            ..PlanConfig::default()
        };
        assert_eq!(
            no_misses.validate(),
            Err(ConfigError::NoMissesAllowed(None))
        );
        assert!(serde_json::from_str::<PlanConfig>(r#"{"max_month": 3}"#).is_err());
    }
}
