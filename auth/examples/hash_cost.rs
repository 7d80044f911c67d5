//! Measures the cost of one argon2id hash at the default parameters.
//!
//! `cargo run --release -p auth --example hash_cost [rounds]`

use std::time::Instant;

use auth::{HashParams, SecretHasher};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: u32 = match std::env::args().nth(1) {
        Some(text) => text.parse()?,
        None => 50,
    };
    let params = HashParams::default();
    let hasher = SecretHasher::new(params)?;
    let secret = auth::new_secret();
    // Warm up: first-touch page faults for the 19 MiB would skew round one.
    let phc = hasher.hash(secret.expose())?;

    let start = Instant::now();
    for _ in 0..rounds {
        hasher.hash(secret.expose())?;
    }
    let hash_time = start.elapsed() / rounds;

    let start = Instant::now();
    for _ in 0..rounds {
        assert!(hasher.verify(secret.expose(), &phc)?);
    }
    let verify_time = start.elapsed() / rounds;

    let start = Instant::now();
    for _ in 0..rounds {
        assert!(!hasher.verify_dummy(secret.expose()));
    }
    let dummy_time = start.elapsed() / rounds;

    println!(
        "argon2id m={} KiB t={} p={}, {rounds} rounds, one thread",
        params.memory_kib, params.iterations, params.parallelism
    );
    println!(
        "hash:         {:>7.2} ms  ({:.1} per second)",
        hash_time.as_secs_f64() * 1e3,
        1.0 / hash_time.as_secs_f64()
    );
    println!("verify:       {:>7.2} ms", verify_time.as_secs_f64() * 1e3);
    println!("verify_dummy: {:>7.2} ms", dummy_time.as_secs_f64() * 1e3);
    Ok(())
}
