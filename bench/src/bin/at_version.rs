//! How long a test waits for a database at a version (`TestDb::at`) against
//! one at the head (`TestDb::new`), on a set of 1000 generated migrations
//! (each a table and an index): the first request builds the template (the
//! migrations up to that version, applied once), later ones take a clone
//! from the warm pool.
//!
//! cargo run --release -p sqlstrata-bench --bin at_version

use std::time::{Duration, Instant};

use sqlstrata::testing::TestDb;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

/// The first request's wait, then the median of 9 warm ones (the pool
/// given time to refill between them).
fn waits(make: impl Fn() -> TestDb) -> (f64, f64) {
    let start = Instant::now();
    drop(make());
    let first = start.elapsed().as_secs_f64() * 1e3;
    let warm = (0..9)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(3000));
            let start = Instant::now();
            let db = make();
            let t = start.elapsed();
            drop(db);
            t
        })
        .collect();
    (first, median(warm))
}

fn main() {
    let n: usize = std::env::var("SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let set = sqlstrata_bench::generated(n, "at_version");
    let middle = set.as_slice()[n / 2 - 1].version();
    let (head_first, head_warm) = waits(|| TestDb::new(&set).unwrap());
    let (at_first, at_warm) = waits(|| TestDb::at(&set, middle).unwrap());
    println!("| database | first test (template build) | warm test (median of 9) |");
    println!("| --- | --- | --- |");
    println!("| at the head ({n} migrations) | {head_first:.0} ms | {head_warm:.1} ms |");
    println!("| at version {middle} | {at_first:.0} ms | {at_warm:.1} ms |");
    println!(
        "warm at {middle} / warm at the head: {:.2}x; first at {middle} / first at the head: {:.2}x",
        at_warm / head_warm,
        at_first / head_first
    );
}
