//! The dossier hold under cancellation: a caller that gives up while the hold is being
//! taken (a timeout, a client hanging up) must not leave the dossier's lease behind, or every
//! other instance finds the dossier busy until the lease expires (30 s).

use std::time::Duration;

use booking::Books;
use store::Store;

store::backend_tests!(a_hold_cut_off_while_taking_the_lease_never_leaves_the_dossier_busy);

async fn a_hold_cut_off_while_taking_the_lease_never_leaves_the_dossier_busy(store: Store) {
    let dossier = store::testing::seed_consumer_dossier(&store, "ISB-2026-000901").await;
    let here = Books::new(store.clone());
    // Another instance: its own locks and holder ids, the same database.
    let elsewhere = Books::new(store.clone()).with_lock_wait(Duration::from_millis(1_500));
    let mut cut_while_waiting = 0;
    for i in 0..400u64 {
        // Cut off at a varying moment: before, while or after the database takes the lease.
        let cut = Duration::from_micros(i * 13 % 2_000);
        let taken = tokio::time::timeout(cut, async {
            let hold = here.hold(&dossier).await;
            hold.is_ok()
        })
        .await;
        if taken.is_err() {
            cut_while_waiting += 1;
        }
        let hold = elsewhere.hold(&dossier).await.unwrap_or_else(|e| {
            panic!("round {i} (cut after {cut:?}): the dossier was left busy: {e}")
        });
        drop(hold);
    }
    assert!(cut_while_waiting > 0, "some holds were cut off midway");
}
