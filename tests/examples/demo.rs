//! The README's demo: the example `migrations/` set applied, listed, rolled
//! back and re-applied on a throwaway local PostgreSQL (or on DATABASE_URL's
//! server, in a database named `sqlstrata_demo` that it drops first).
//!
//! ./scripts/demo

use sqlstrata::testing::Server;
use sqlstrata::{Migrator, Report};
use sqlstrata_tests::EXAMPLE;

fn print_status(report: &Report) {
    println!(
        "  {:<8} {:<36} {:<9} {:>5}  applied_at",
        "version", "name", "state", "batch"
    );
    for e in &report.status {
        println!(
            "  {:<8} {:<36} {:<9} {:>5}  {}",
            format!("{:03}", e.version),
            e.name,
            e.state.as_str(),
            e.batch.map_or("-".to_string(), |b| b.to_string()),
            e.applied_at.as_deref().unwrap_or("-")
        );
    }
}

fn print_done(what: &str, report: &Report) {
    for d in &report.done {
        println!(
            "  {what} {:03}_{} ({:.1} ms)",
            d.version,
            d.name,
            d.duration.as_secs_f64() * 1e3
        );
    }
    for w in &report.warnings {
        println!("  warning: {w}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::shared().map_err(|e| e.to_string())?;
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls)?;
    admin.batch_execute("DROP DATABASE IF EXISTS sqlstrata_demo WITH (FORCE)")?;
    admin.batch_execute("CREATE DATABASE sqlstrata_demo")?;
    let mut client = postgres::Client::connect(&server.url_for("sqlstrata_demo"), postgres::NoTls)?;
    let m = Migrator::new(&EXAMPLE);

    println!("$ up --to 5   (batch 1)");
    print_done("applied", &m.up_to(&mut client, 5)?);
    println!("$ up          (batch 2)");
    print_done("applied", &m.up(&mut client)?);
    println!("$ status");
    print_status(&m.status(&mut client)?);
    println!("$ rollback    (the last batch, newest first)");
    print_done("reverted", &m.rollback(&mut client)?);
    println!("$ status");
    print_status(&m.status(&mut client)?);
    println!("$ rollback    (batch 1 holds the irreversible 005)");
    match m.rollback(&mut client) {
        Err(e) => println!("  error: {e}"),
        Ok(_) => return Err("rolling back an irreversible migration must fail".into()),
    }
    println!("$ up");
    print_done("applied", &m.up(&mut client)?);
    drop(client);
    admin.batch_execute("DROP DATABASE IF EXISTS sqlstrata_demo WITH (FORCE)")?;
    println!("demo done: database dropped");
    Ok(())
}
