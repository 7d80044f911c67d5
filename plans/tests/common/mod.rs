//! The payments suite's rig (`payments::testing`) with a `PlanService` over it.
#![allow(dead_code, unused_imports)]

use std::ops::Deref;

use payments::PaymentConfig;
use payments::testing::Options;
use plans::{PlanConfig, PlanService};
use store::Store;

pub use payments::testing::{NUMBER, at, date, eur, open_total, open_total_on, seed};

pub struct Rig {
    payments: payments::testing::Rig,
    pub plans: PlanService,
}

impl Deref for Rig {
    type Target = payments::testing::Rig;

    fn deref(&self) -> &Self::Target {
        &self.payments
    }
}

impl Rig {
    /// The payments rig with the service's default config, and plans over it.
    pub async fn start(store: Store) -> Rig {
        Rig::with_plans(store, PlanConfig::default()).await
    }

    /// The same with other plan rules.
    pub async fn with_plans(store: Store, config: PlanConfig) -> Rig {
        let options = Options {
            // The service's own defaults, not the payments suite's settings.
            tweak: |config| {
                let defaults = PaymentConfig::new("http://unused");
                config.rules.minimum_part_payment = defaults.rules.minimum_part_payment;
                config.stale_after = defaults.stale_after;
            },
            ..Options::default()
        };
        let payments = payments::testing::Rig::with(store.clone(), options).await;
        let plans = PlanService::new(store, config, payments.service.clone()).unwrap();
        Rig { payments, plans }
    }
}
