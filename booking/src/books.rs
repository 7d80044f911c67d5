//! [`Books`]: the dossier's lock and lease, and what may be done while holding them.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use claim::{ClaimView, PaymentAllocation, allocate_payment_for, dutch_date, load_claim};
use domain::{ClaimItemId, DossierId, Money, PaymentId};
use store::{LedgerEntry, LedgerKind, NewLedgerEntry, Store};

use crate::error::BookingError;
use crate::locks::{KeyGuard, KeyedLocks};
use crate::reverse::{Held, Reversal};
use crate::sync::{SyncReport, sync_plan};

/// The prefix of the per-dossier booking leases in `job_lease`. The name predates this
/// crate (booking lived in `payments`); it is kept so that instances of the previous release
/// and this one exclude each other during a rolling upgrade.
pub const DOSSIER_LEASE_PREFIX: &str = "payments.dossier:";

/// How long a dossier lease lasts if its holder dies before releasing it.
const DOSSIER_LEASE_TTL: chrono::Duration = chrono::Duration::seconds(30);

/// How long [`Books::lock`] and [`Locked::hold`] wait for another holder by default.
const DEFAULT_LOCK_WAIT: StdDuration = StdDuration::from_secs(2);

/// The one way to book money on a dossier. Cheap to clone: share one per process, so that
/// tasks of this process wait on the in-process lock instead of polling the lease.
#[derive(Clone)]
pub struct Books {
    store: Store,
    locks: KeyedLocks,
    /// This instance's holder id for the leases (a shared database has several instances).
    instance: Arc<str>,
    lock_wait: StdDuration,
}

impl std::fmt::Debug for Books {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Books")
            .field("instance", &self.instance)
            .field("lock_wait", &self.lock_wait)
            .finish_non_exhaustive()
    }
}

impl Books {
    /// Books over `store`, waiting up to two seconds for a dossier held by another task.
    pub fn new(store: Store) -> Self {
        Books {
            store,
            locks: KeyedLocks::default(),
            instance: format!("books-{}", uuid::Uuid::new_v4().simple()).into(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The same books, waiting up to `wait` for a held dossier before [`BookingError::Busy`].
    pub fn with_lock_wait(mut self, wait: StdDuration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The store the books write to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Takes the dossier's in-process lock, waiting up to the lock wait. Enough for changes
    /// that move no money; [`Locked::hold`] before booking any.
    pub async fn lock(&self, dossier_id: &DossierId) -> Result<Locked<'_>, BookingError> {
        let guard = tokio::time::timeout(self.lock_wait, self.locks.lock(dossier_id.as_str()))
            .await
            .map_err(|_| BookingError::Busy)?;
        Ok(Locked {
            books: self,
            dossier_id: dossier_id.clone(),
            guard,
        })
    }

    /// [`Books::lock`] and [`Locked::hold`] in one.
    pub async fn hold(&self, dossier_id: &DossierId) -> Result<Hold<'_>, BookingError> {
        self.lock(dossier_id).await?.hold().await
    }
}

/// A dossier locked in this process.
pub struct Locked<'a> {
    books: &'a Books,
    dossier_id: DossierId,
    guard: KeyGuard,
}

impl<'a> Locked<'a> {
    /// The dossier.
    pub fn dossier_id(&self) -> &DossierId {
        &self.dossier_id
    }

    /// Adds the dossier's lease (`payments.dossier:{id}` in `job_lease`), waiting up to the
    /// lock wait for another instance to let go. Safe to cut off: a caller that gives up
    /// midway (a timeout, a dropped request) leaves no lease behind.
    pub async fn hold(self) -> Result<Hold<'a>, BookingError> {
        let books = self.books;
        let lease = format!("{DOSSIER_LEASE_PREFIX}{}", self.dossier_id);
        // A holder id of its own per hold: leases are re-entrant per holder, and a hold
        // dropped without `finish` releases in the background, which must not release the
        // next hold of this process.
        let holder = format!("{}:{}", books.instance, uuid::Uuid::new_v4().simple());
        let deadline = Instant::now() + books.lock_wait;
        loop {
            if Attempt::start(&books.store, &lease, &holder)
                .taken()
                .await?
            {
                return Ok(Hold {
                    books,
                    dossier_id: self.dossier_id,
                    _guard: self.guard,
                    lease: Some(LeaseClaim::new(books.store.clone(), lease, holder)),
                });
            }
            if Instant::now() >= deadline {
                tracing::warn!(dossier = %self.dossier_id, "dossier busy in another instance");
                return Err(BookingError::Busy);
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    }
}

/// One try at the dossier's lease, in a task of its own: when the caller gives up while the
/// database is taking the lease (a timeout, a client hanging up), the query still finishes,
/// and a lease it took is let go at once instead of leaving the dossier busy for 30 s.
/// (Dropping the query's future would not stop it: the statement may already be running.)
struct Attempt {
    task: Option<tokio::task::JoinHandle<Result<bool, store::StoreError>>>,
    store: Store,
    lease: String,
    holder: String,
}

impl Attempt {
    fn start(store: &Store, lease: &str, holder: &str) -> Self {
        let (db, name, id) = (store.clone(), lease.to_owned(), holder.to_owned());
        let task = tokio::spawn(async move {
            db.acquire_lease(&name, &id, Utc::now(), DOSSIER_LEASE_TTL)
                .await
        });
        Attempt {
            task: Some(task),
            store: store.clone(),
            lease: lease.to_owned(),
            holder: holder.to_owned(),
        }
    }

    /// Whether the lease is now ours.
    async fn taken(mut self) -> Result<bool, BookingError> {
        let Some(task) = self.task.as_mut() else {
            return Ok(false);
        };
        let outcome = task.await;
        self.task = None;
        match outcome {
            Ok(taken) => Ok(taken?),
            // The task panicked or was aborted: whether it took the lease is unknown, so
            // let it go (a release under our own holder id is harmless).
            Err(e) => {
                tracing::error!(error = %e, lease = %self.lease, "taking a dossier lease failed");
                release(&self.store, &self.lease, &self.holder).await;
                Err(BookingError::Busy)
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(task) = self.task.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (store, lease, holder) = (
                self.store.clone(),
                std::mem::take(&mut self.lease),
                std::mem::take(&mut self.holder),
            );
            runtime.spawn(async move {
                if !matches!(task.await, Ok(Ok(false))) {
                    release(&store, &lease, &holder).await;
                }
            });
        }
    }
}

/// A dossier lease that is ours: let go in the background when dropped without
/// [`Hold::finish`] (an error, a cancelled task), if a runtime is there; otherwise it
/// expires by itself. Releasing only ever removes the lease under this claim's own holder
/// id, so it never lets go of the next hold's lease.
struct LeaseClaim {
    store: Store,
    lease: String,
    holder: String,
    armed: bool,
}

impl LeaseClaim {
    fn new(store: Store, lease: String, holder: String) -> Self {
        LeaseClaim {
            store,
            lease,
            holder,
            armed: true,
        }
    }

    /// Lets the lease go now.
    async fn release(mut self) {
        self.armed = false;
        release(&self.store, &self.lease, &self.holder).await;
    }
}

impl Drop for LeaseClaim {
    fn drop(&mut self) {
        if self.armed
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (store, lease, holder) = (
                self.store.clone(),
                std::mem::take(&mut self.lease),
                std::mem::take(&mut self.holder),
            );
            runtime.spawn(async move { release(&store, &lease, &holder).await });
        }
    }
}

/// A dossier held for booking: no other task, here or in another instance, books on it
/// until [`Hold::finish`] (or the drop, or the lease's expiry).
pub struct Hold<'a> {
    books: &'a Books,
    dossier_id: DossierId,
    _guard: KeyGuard,
    /// The lease, until released (dropping the hold lets it go in the background).
    lease: Option<LeaseClaim>,
}

impl Hold<'_> {
    /// The dossier.
    pub fn dossier_id(&self) -> &DossierId {
        &self.dossier_id
    }

    /// The store, to commit what was prepared under the hold.
    pub fn store(&self) -> &Store {
        &self.books.store
    }

    /// The claim as it stands on `today`, read now that nothing else books on it.
    pub async fn claim(&self, today: NaiveDate) -> Result<ClaimView, BookingError> {
        Ok(load_claim(&self.books.store, &self.dossier_id, today).await?)
    }

    /// Divides `amount`, received at `at`, over what is open on that Dutch day by art. 6:44
    /// BW (costs, interest, principal; oldest first); the rest is credit. Returns the view it
    /// was allocated against with the allocation; book it with
    /// [`PaymentAllocation::ledger_entry`].
    pub async fn allocate(
        &self,
        amount: Money,
        at: DateTime<Utc>,
    ) -> Result<(ClaimView, PaymentAllocation), BookingError> {
        self.allocate_for(amount, None, at).await
    }

    /// [`Hold::allocate`] for a payment the debtor made for one invoice (art. 6:43 lid 1 BW):
    /// that invoice's share of the costs, its interest and its principal first, the rest as
    /// without a choice ([`claim::allocate_payment_for`]). `None` is [`Hold::allocate`].
    pub async fn allocate_for(
        &self,
        amount: Money,
        invoice: Option<ClaimItemId>,
        at: DateTime<Utc>,
    ) -> Result<(ClaimView, PaymentAllocation), BookingError> {
        let view = self.claim(dutch_date(at)).await?;
        let allocation = allocate_payment_for(&view, invoice, amount)?;
        Ok((view, allocation))
    }

    /// What `payment_id`'s entries on this dossier hold of the money paid, per part.
    pub async fn held_by(&self, payment_id: &PaymentId) -> Result<Held, BookingError> {
        Held::of(&self.entries_of(payment_id).await?)
    }

    /// `payment_id`'s entries on this dossier (the payment, its refunds and chargebacks),
    /// oldest first.
    pub async fn entries_of(
        &self,
        payment_id: &PaymentId,
    ) -> Result<Vec<LedgerEntry>, BookingError> {
        Ok(self
            .books
            .store
            .ledger_entries(&self.dossier_id)
            .await?
            .into_iter()
            .filter(|e| e.payment_id.as_ref() == Some(payment_id))
            .collect())
    }

    /// The entry that takes `reversal.amount` back out of `held` (a refund or chargeback of
    /// the payment): credit first, then principal, interest, costs, the reverse of art. 6:44
    /// BW, so what the money paid off is open again.
    pub fn reversal(
        &self,
        held: &Held,
        reversal: Reversal,
    ) -> Result<NewLedgerEntry, BookingError> {
        let [costs, interest, principal, unallocated] = held.take_back(reversal.amount)?;
        let amount = reversal
            .amount
            .checked_neg()
            .ok_or(crate::error::overflow())?;
        Ok(NewLedgerEntry {
            dossier_id: self.dossier_id.clone(),
            kind: reversal.kind,
            amount,
            alloc_costs: costs,
            alloc_interest: interest,
            alloc_principal: principal,
            alloc_unallocated: unallocated,
            source: reversal.source,
            payment_id: Some(reversal.payment_id),
            idempotency_key: reversal.idempotency_key,
            created_at: reversal.at,
        })
    }

    /// Books `entry` as it is (an adjustment, or a payment allocated under this hold).
    pub async fn append(&self, entry: &NewLedgerEntry) -> Result<store::Booked, BookingError> {
        if entry.dossier_id != self.dossier_id {
            return Err(BookingError::Inconsistent(
                "an entry for another dossier than the one held",
            ));
        }
        if entry.kind == LedgerKind::Payment && entry.amount.is_negative() {
            return Err(BookingError::Inconsistent("a negative payment"));
        }
        Ok(self.books.store.append_ledger_entry(entry).await?)
    }

    /// Ends the booking: the active plan's instalments follow the ledger ([`sync_plan`]),
    /// then the lease is let go. A failed sync is logged and left to the next booking or
    /// the daily job (the ledger, which is what counts, is already written).
    pub async fn finish(mut self, now: DateTime<Utc>) -> Option<SyncReport> {
        let synced = match sync_plan(&self.books.store, &self.dossier_id, now).await {
            Ok(report) => report,
            Err(e) => {
                tracing::warn!(dossier = %self.dossier_id, error = %e, "plan not synced after a booking; the daily job will");
                None
            }
        };
        if let Some(claim) = self.lease.take() {
            claim.release().await;
        }
        synced
    }
}

async fn release(store: &Store, lease: &str, holder: &str) {
    if let Err(e) = store.release_lease(lease, holder).await {
        tracing::warn!(error = %e, %lease, "could not release a dossier lease; it expires");
    }
}
