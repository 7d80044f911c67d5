//! In-process locks by key (a dossier, a payment intent): serialise the work on one key inside
//! this process. Across processes the store's unique keys and compare-and-set are the
//! guarantee; these locks only keep two tasks of one process from racing needlessly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OwnedMutexGuard;

type Slots = HashMap<String, Arc<tokio::sync::Mutex<()>>>;

/// Locks by key; cheap to clone (clones share the locks).
#[derive(Debug, Clone, Default)]
pub struct KeyedLocks {
    slots: Arc<Mutex<Slots>>,
}

/// Held while working on a key; the slot is removed when its last user lets go.
pub struct KeyGuard {
    key: String,
    slots: Arc<Mutex<Slots>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    fn slots(slots: &Mutex<Slots>) -> MutexGuard<'_, Slots> {
        // The map holds no invariant a panic could break.
        slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for the key's lock and holds it until the guard is dropped.
    pub async fn lock(&self, key: &str) -> KeyGuard {
        let slot = Self::slots(&self.slots)
            .entry(key.to_owned())
            .or_default()
            .clone();
        let guard = slot.lock_owned().await;
        KeyGuard {
            key: key.to_owned(),
            slots: self.slots.clone(),
            guard: Some(guard),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        Self::slots(&self.slots).len()
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        let mut slots = KeyedLocks::slots(&self.slots);
        // Let go of the mutex first, then forget the slot if nobody else holds or awaits it
        // (only the map's own reference is left). Both happen under the map lock, and new
        // users clone the slot under the same lock, so none is lost.
        self.guard = None;
        if slots
            .get(&self.key)
            .is_some_and(|slot| Arc::strong_count(slot) == 1)
        {
            slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_holder_per_key_and_slots_are_forgotten() {
        let locks = KeyedLocks::default();
        let a = locks.lock("a").await;
        let _b = locks.lock("b").await;
        let waiting = tokio::time::timeout(Duration::from_millis(50), locks.lock("a")).await;
        assert!(waiting.is_err(), "a second holder of the same key waits");
        drop(a);
        let again = tokio::time::timeout(Duration::from_millis(50), locks.lock("a")).await;
        assert!(again.is_ok());
        drop(again);
        assert_eq!(locks.len(), 1, "only b is still held");
    }
}
