//! A todo service: the shape of an application that owns its schema with
//! sqlstrata.
//!
//! - the migrations are embedded at build time ([`MIGRATIONS`]) and applied
//!   when the service boots ([`migrate`]), under sqlstrata's lock, so that
//!   several replicas starting at once apply each migration once;
//! - the binary carries the migration commands (`app migrate status`), so a
//!   container needs no folder and no other tool;
//! - the tests get a fresh, migrated database each, with fixtures
//!   (`tests/todos.rs`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The migrations of `migrations/`, checked when this crate builds.
pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("migrations");

/// Applies what is pending; a no-op (one round trip) when nothing is.
pub async fn migrate(
    client: &tokio_postgres::Client,
) -> Result<sqlstrata::Report, sqlstrata::Error> {
    sqlstrata::Migrator::new(&MIGRATIONS).up_async(client).await
}

/// A todo as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// Its id.
    pub id: i64,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub done: bool,
}

/// The body of `POST /todos`.
#[derive(Debug, Deserialize, Serialize)]
pub struct NewTodo {
    /// What to do.
    pub title: String,
}

type Db = Arc<tokio_postgres::Client>;

/// The HTTP API: `GET /todos` (open first, oldest first), `POST /todos`,
/// `POST /todos/{id}/done`.
pub fn router(client: Db) -> Router {
    Router::new()
        .route("/todos", get(list).post(create))
        .route("/todos/{id}/done", post(done))
        .with_state(client)
}

fn internal(e: tokio_postgres::Error) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

async fn list(State(db): State<Db>) -> Result<Json<Vec<Todo>>, (StatusCode, String)> {
    let rows = db
        .query(
            "SELECT id, title, done_at IS NOT NULL FROM todos ORDER BY done_at IS NOT NULL, created_at, id",
            &[],
        )
        .await
        .map_err(internal)?;
    Ok(Json(
        rows.iter()
            .map(|r| Todo {
                id: r.get(0),
                title: r.get(1),
                done: r.get(2),
            })
            .collect(),
    ))
}

async fn create(
    State(db): State<Db>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), (StatusCode, String)> {
    // Stored without surrounding blanks (the schema checks it since 004).
    let title = new.title.trim().to_string();
    if title.is_empty() {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "a todo needs a title".into(),
        ));
    }
    let row = db
        .query_one(
            "INSERT INTO todos (title) VALUES ($1) RETURNING id",
            &[&title],
        )
        .await
        .map_err(internal)?;
    Ok((
        StatusCode::CREATED,
        Json(Todo {
            id: row.get(0),
            title,
            done: false,
        }),
    ))
}

async fn done(
    State(db): State<Db>,
    Path(id): Path<i64>,
) -> Result<StatusCode, (StatusCode, String)> {
    let n = db
        .execute(
            "UPDATE todos SET done_at = now() WHERE id = $1 AND done_at IS NULL",
            &[&id],
        )
        .await
        .map_err(internal)?;
    Ok(if n == 1 {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    })
}
