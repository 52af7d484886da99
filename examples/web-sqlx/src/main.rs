//! `app-sqlx`: serves the todo API, migrating through its pool at boot;
//! `app-sqlx migrate <command>` runs sqlstrata's commands over the embedded
//! migrations.
//!
//! ```sh
//! DATABASE_URL=postgres://app@db/app app-sqlx                 # migrate, then serve on :3000
//! DATABASE_URL=postgres://app@db/app app-sqlx migrate status  # what is applied
//! ```

use std::process::ExitCode;

use sqlstrata_example_web_sqlx::{MIGRATIONS, migrate, router};

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    match args.next() {
        // The same commands, options and exit codes as the sqlstrata binary.
        Some(word) if word == "migrate" => {
            sqlstrata_cli::run_from(std::iter::once(program).chain(args), &MIGRATIONS)
        }
        Some(word) if word != "serve" => {
            eprintln!(
                "usage: app-sqlx [serve] | app-sqlx migrate <command> (app-sqlx migrate --help)"
            );
            ExitCode::from(2)
        }
        _ => match tokio::runtime::Runtime::new().map(|rt| rt.block_on(serve())) {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: cannot start the runtime: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL")?;
    let pool = sqlx::PgPool::connect(&url).await?;
    // In a task: what a service spawned at boot does (the run's future is Send).
    let report = tokio::spawn({
        let pool = pool.clone();
        async move { migrate(&pool).await }
    })
    .await??;
    eprintln!("migrated: {} applied now", report.applied().len());
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on {addr}");
    axum::serve(listener, router(pool))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
