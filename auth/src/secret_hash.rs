//! Argon2id hashes of the debtor's letter secret and of staff passwords.
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`):
//! they carry their own algorithm, parameters and salt, so a stored hash still
//! verifies after [`HashParams`] change, and [`SecretHasher::needs_rehash`]
//! says when to replace it (on the next successful sign-in).
//!
//! Stored hashes are trusted input: their cost parameters are used as found.

use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};

use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

/// The cost of one hash.
///
/// The default is OWASP's first recommendation for argon2id (Password
/// Storage Cheat Sheet): 19 MiB of memory, 2 passes, 1 lane. On the
/// development machine (2-core Xeon VM, release build) one hash takes about
/// 20 ms and one verify or dummy verify 18–19 ms (`cargo run --release -p
/// auth --example hash_cost`): about 50 per second per core, cheap for one
/// sign-in, costly for guessing, which throttling per dossier and per IP
/// limits further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB (argon2's `m`).
    pub memory_kib: u32,
    /// Passes over the memory (argon2's `t`).
    pub iterations: u32,
    /// Lanes (argon2's `p`); the hash is computed on one thread regardless.
    pub parallelism: u32,
}

impl HashParams {
    /// m = 19 MiB, t = 2, p = 1 (OWASP); see the type's documentation.
    pub const OWASP: HashParams = HashParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    fn to_argon2(self) -> Result<Params, HashError> {
        Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(Params::DEFAULT_OUTPUT_LEN),
        )
        .map_err(HashError::Params)
    }
}

impl Default for HashParams {
    fn default() -> Self {
        HashParams::OWASP
    }
}

/// Why hashing or verifying failed. Never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The [`HashParams`] are outside what argon2 accepts.
    #[error("invalid argon2 parameters: {0}")]
    Params(#[source] argon2::Error),
    /// The stored text is not a complete argon2 PHC string.
    #[error("the stored hash is not a valid PHC string")]
    Malformed,
    /// The stored hash is not argon2id (argon2i, argon2d, or another scheme).
    #[error("the stored hash uses an unsupported algorithm")]
    UnsupportedAlgorithm,
    /// Argon2 itself failed (e.g. out of memory).
    #[error("hashing failed: {0}")]
    Hash(#[source] password_hash::Error),
}

/// Hashes and verifies secrets with argon2id at fixed [`HashParams`].
///
/// Cheap to clone; build one at start-up and share it. Hashing is CPU-bound
/// for tens of milliseconds: async callers should run it on a blocking thread
/// (`tokio::task::spawn_blocking`).
///
/// Clones share a gate that lets at most one hash per CPU core run at once:
/// each needs `memory_kib` of memory, and a morning peak of sign-ins would
/// otherwise run as many as the blocking pool has threads (512 × 19 MiB),
/// for no more throughput. The rest wait their turn.
#[derive(Clone)]
pub struct SecretHasher {
    params: HashParams,
    argon2: Argon2<'static>,
    /// A hash of a random secret nobody knows, made with `params`, for
    /// [`SecretHasher::verify_dummy`].
    dummy_phc: String,
    gate: Arc<Gate>,
}

/// A counting semaphore for blocking threads (argon2 runs on them).
struct Gate {
    running: Mutex<GateState>,
    freed: Condvar,
    limit: usize,
}

#[derive(Default)]
struct GateState {
    now: usize,
    peak: usize,
}

impl Gate {
    fn new(limit: usize) -> Self {
        Gate {
            running: Mutex::new(GateState::default()),
            freed: Condvar::new(),
            limit: limit.max(1),
        }
    }

    fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        {
            // The state is two counters: a panic elsewhere cannot leave it inconsistent.
            let mut state = self.running.lock().unwrap_or_else(|p| p.into_inner());
            while state.now >= self.limit {
                state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            state.now += 1;
            state.peak = state.peak.max(state.now);
        }
        struct Leave<'a>(&'a Gate);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                let mut state = self.0.running.lock().unwrap_or_else(|p| p.into_inner());
                state.now -= 1;
                self.0.freed.notify_one();
            }
        }
        let _leave = Leave(self);
        work()
    }
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl SecretHasher {
    /// A hasher with these parameters. Computes one hash (the dummy), so it
    /// costs as much as [`SecretHasher::hash`].
    pub fn new(params: HashParams) -> Result<Self, HashError> {
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon2()?);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut hasher = SecretHasher {
            params,
            argon2,
            dummy_phc: String::new(),
            gate: Arc::new(Gate::new(cores)),
        };
        // Made here rather than a constant so that its cost always matches
        // `params`: a dummy cheaper than a real verify would be an oracle.
        let unguessable = crate::token::Token::generate();
        hasher.dummy_phc = hasher.hash(unguessable.expose())?;
        Ok(hasher)
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// Hashes `secret` with a fresh random 16-byte salt; returns the PHC
    /// string to store. For a [`domain::Secret`], pass `secret.expose()` (the
    /// canonical ungrouped form).
    pub fn hash(&self, secret: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        let phc = self
            .gate
            .run(|| self.argon2.hash_password(secret.as_bytes(), &salt))
            .map_err(HashError::Hash)?;
        Ok(phc.to_string())
    }

    /// Whether `secret` matches the stored `phc` hash. The comparison is
    /// constant-time; the cost is that of the parameters inside `phc`.
    ///
    /// `Ok(false)` for a wrong secret; `Err` only for a stored hash that is
    /// unusable, which callers should log and treat as a failed sign-in.
    pub fn verify(&self, secret: &str, phc: &str) -> Result<bool, HashError> {
        let parsed = parse_argon2id(phc)?;
        let verified = self
            .gate
            .run(|| self.argon2.verify_password(secret.as_bytes(), &parsed));
        match verified {
            Ok(()) => Ok(true),
            Err(password_hash::Error::Password) => Ok(false),
            Err(other) => Err(HashError::Hash(other)),
        }
    }

    /// Does the work of a [`SecretHasher::verify`] and returns `false`.
    ///
    /// Call it when there is no stored hash to check against (unknown dossier
    /// number, no secret issued yet), so that such a sign-in takes as long as
    /// one with a wrong secret and response times do not reveal which
    /// dossier numbers exist.
    pub fn verify_dummy(&self, secret: &str) -> bool {
        // black_box: the outcome is ignored, but the work must not be.
        let _ = black_box(self.verify(black_box(secret), &self.dummy_phc));
        false
    }

    /// Whether `phc` was made with other parameters (or another algorithm or
    /// version) than this hasher's, so it should be replaced by a fresh
    /// [`SecretHasher::hash`] of the secret once that secret has verified.
    pub fn needs_rehash(&self, phc: &str) -> Result<bool, HashError> {
        let parsed = match parse_argon2id(phc) {
            Ok(parsed) => parsed,
            // Still a known scheme (argon2i/d): verifies, but should move on.
            Err(HashError::UnsupportedAlgorithm) => return Ok(true),
            Err(other) => return Err(other),
        };
        let version_ok = parsed.version == Some(Version::V0x13.into());
        let stored = Params::try_from(&parsed).map_err(|_| HashError::Malformed)?;
        let wanted = self.params.to_argon2()?;
        let same = version_ok
            && stored.m_cost() == wanted.m_cost()
            && stored.t_cost() == wanted.t_cost()
            && stored.p_cost() == wanted.p_cost()
            && parsed.hash.map(|h| h.len()) == wanted.output_len();
        Ok(!same)
    }
}

/// Parses a PHC string and insists on argon2id with a salt and a hash.
fn parse_argon2id(phc: &str) -> Result<PasswordHash<'_>, HashError> {
    let parsed = PasswordHash::new(phc).map_err(|_| HashError::Malformed)?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(HashError::Malformed);
    }
    match Algorithm::try_from(parsed.algorithm) {
        Ok(Algorithm::Argon2id) => Ok(parsed),
        Ok(_) | Err(_) => Err(HashError::UnsupportedAlgorithm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// Cheap parameters: the logic under test does not depend on the cost.
    const FAST: HashParams = HashParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };

    fn fast() -> &'static SecretHasher {
        static HASHER: OnceLock<SecretHasher> = OnceLock::new();
        HASHER.get_or_init(|| SecretHasher::new(FAST).unwrap())
    }

    #[test]
    fn hash_then_verify() {
        let hasher = fast();
        let phc = hasher.hash("ABCDEFGHJKMN").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(hasher.verify("ABCDEFGHJKMN", &phc).unwrap());
        assert!(!hasher.verify("ABCDEFGHJKMP", &phc).unwrap());
        assert!(!hasher.verify("", &phc).unwrap());
    }

    #[test]
    fn no_more_hashes_run_at_once_than_there_are_cores() {
        let hasher = SecretHasher::new(FAST).unwrap();
        let phc = hasher.hash("x").unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 * hasher.gate.limit + 4 {
                s.spawn(|| {
                    for _ in 0..5 {
                        assert!(hasher.verify("x", &phc).unwrap());
                    }
                });
            }
        });
        let state = hasher.gate.running.lock().unwrap();
        assert_eq!(state.now, 0, "every hash left the gate");
        assert!(
            (1..=hasher.gate.limit).contains(&state.peak),
            "peak {} of limit {}",
            state.peak,
            hasher.gate.limit
        );
    }

    #[test]
    fn salts_differ() {
        let hasher = fast();
        assert_ne!(hasher.hash("same").unwrap(), hasher.hash("same").unwrap());
    }

    #[test]
    fn default_params_roundtrip() {
        let hasher = SecretHasher::new(HashParams::default()).unwrap();
        let secret: domain::Secret = "ABCD-EFGH-JKMN".parse().unwrap();
        let phc = hasher.hash(secret.expose()).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher.verify("ABCDEFGHJKMN", &phc).unwrap());
        assert!(!hasher.verify_dummy("ABCDEFGHJKMN"));
        assert!(!hasher.needs_rehash(&phc).unwrap());
    }

    #[test]
    fn verifies_hashes_made_with_other_params() {
        let old = fast();
        let new = SecretHasher::new(HashParams {
            memory_kib: 512,
            ..FAST
        })
        .unwrap();
        let phc = old.hash("staff password").unwrap();
        assert!(new.verify("staff password", &phc).unwrap());
        assert!(new.needs_rehash(&phc).unwrap());
        assert!(!old.needs_rehash(&phc).unwrap());
    }

    #[test]
    fn malformed_hashes_are_errors() {
        let hasher = fast();
        for phc in [
            "",
            "not a hash",
            "$argon2id$v=19$m=256,t=1,p=1",
            "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0",
            "$argon2id$v=19$m=oops,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
        ] {
            assert!(
                matches!(hasher.verify("x", phc), Err(HashError::Malformed)),
                "{phc:?}"
            );
            assert!(hasher.needs_rehash(phc).is_err(), "{phc:?}");
        }
    }

    #[test]
    fn other_algorithms_are_refused() {
        let hasher = fast();
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            FAST.to_argon2().unwrap(),
        )
        .hash_password(b"x", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(matches!(
            hasher.verify("x", &argon2i),
            Err(HashError::UnsupportedAlgorithm)
        ));
        assert!(hasher.needs_rehash(&argon2i).unwrap());
        let scrypt = "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
        assert!(matches!(
            hasher.verify("x", scrypt),
            Err(HashError::UnsupportedAlgorithm)
        ));
    }

    #[test]
    fn dummy_verify_is_false_and_does_the_work() {
        let hasher = fast();
        assert!(!hasher.verify_dummy("anything"));
        assert!(!hasher.verify_dummy(""));
        // The dummy is a hash at the hasher's own parameters.
        assert!(!hasher.needs_rehash(&hasher.dummy_phc).unwrap());
    }

    #[test]
    fn invalid_params_are_refused() {
        let zero_passes = HashParams {
            iterations: 0,
            ..FAST
        };
        assert!(matches!(
            SecretHasher::new(zero_passes),
            Err(HashError::Params(_))
        ));
    }

    #[test]
    fn debug_hides_the_dummy_hash() {
        let debug = format!("{:?}", fast());
        assert!(!debug.contains("argon2id"), "{debug}");
    }
}
