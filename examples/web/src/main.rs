//! `app`: serves the todo API, migrating at boot; `app migrate <command>`
//! runs sqlstrata's commands over the embedded migrations.
//!
//! ```sh
//! DATABASE_URL=postgres://app@db/app app                 # migrate, then serve on :3000
//! DATABASE_URL=postgres://app@db/app app migrate status  # what is applied
//! app migrate --help
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use sqlstrata_example_web::{MIGRATIONS, migrate, router};

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    match args.next() {
        // The same commands, options and exit codes as the sqlstrata binary.
        Some(word) if word == "migrate" => {
            sqlstrata_cli::run_from(std::iter::once(program).chain(args), &MIGRATIONS)
        }
        Some(word) if word != "serve" => {
            eprintln!("usage: app [serve] | app migrate <command> (app migrate --help)");
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
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("database connection lost: {e}");
        }
    });
    let report = migrate(&client).await?;
    eprintln!("migrated: {} applied now", report.applied().len());
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on {addr}");
    axum::serve(listener, router(Arc::new(client)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
