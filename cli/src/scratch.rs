//! A scratch database for `verify`, `drift` and fleets' replays: the one the
//! user names, or one made on the target's server and always dropped.

use crate::{config, connect};

/// A scratch database for `drift`: created on the server of `scratch_url`
/// (else of `connection`), handed to `f`, and dropped whatever `f` did.
pub(crate) fn with_scratch<R>(
    connection: &config::Connection,
    scratch_url: Option<&str>,
    f: impl FnOnce(&mut postgres::Client) -> Result<R, String>,
) -> Result<R, String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let server = match scratch_url {
        Some(url) => config::resolve(
            Some(url),
            &|k| std::env::var(k).ok(),
            std::path::Path::new("/nonexistent"),
        )
        .map_err(|e| format!("--scratch-url: {e}"))?,
        None => connection.clone(),
    };
    let mut admin = connect::connect(&server).map_err(|e| e.to_string())?;
    let name = format!(
        "sqlstrata_drift_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .map_err(|e| {
            format!(
                "cannot create the scratch database {name} (drift needs CREATEDB there; or give --scratch-url): {}",
                sqlstrata::DbError::from_postgres(&e)
            )
        })?;
    let result = connect::connect_to(&server, &name)
        .map_err(|e| e.to_string())
        .and_then(|mut c| f(&mut c));
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    result
}
