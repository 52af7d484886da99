//! The todo service of `examples/web`, on sqlx: the application's own
//! `PgPool` is all sqlstrata needs.
//!
//! - the migrations are embedded at build time ([`MIGRATIONS`], the same
//!   folder as `examples/web`'s) and applied through the pool when the
//!   service boots ([`migrate`]): the run takes one connection for its
//!   whole length (the runner lock is that session's) and gives it back;
//! - the binary carries the migration commands (`app-sqlx migrate status`);
//! - the tests take a `sqlx::PgPool` of a fresh, migrated database each
//!   (`tests/todos.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// The migrations, checked when this crate builds.
pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../web/migrations");

/// Applies what is pending through the pool; a no-op (one round trip) when
/// nothing is.
pub async fn migrate(pool: &PgPool) -> Result<sqlstrata::Report, sqlstrata::Error> {
    sqlstrata::Migrator::new(&MIGRATIONS).up_async(pool).await
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

/// The HTTP API: `GET /todos` (open first, oldest first), `POST /todos`,
/// `POST /todos/{id}/done`.
pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/todos", get(list).post(create))
        .route("/todos/{id}/done", post(done))
        .with_state(pool)
}

fn internal(e: sqlx::Error) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

async fn list(State(pool): State<PgPool>) -> Result<Json<Vec<Todo>>, (StatusCode, String)> {
    let rows: Vec<(i64, String, bool)> = sqlx::query_as(
        "SELECT id, title, done_at IS NOT NULL FROM todos ORDER BY done_at IS NOT NULL, created_at, id",
    )
    .fetch_all(&pool)
    .await
    .map_err(internal)?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, title, done)| Todo { id, title, done })
            .collect(),
    ))
}

async fn create(
    State(pool): State<PgPool>,
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
    let (id,): (i64,) = sqlx::query_as("INSERT INTO todos (title) VALUES ($1) RETURNING id")
        .bind(&title)
        .fetch_one(&pool)
        .await
        .map_err(internal)?;
    Ok((
        StatusCode::CREATED,
        Json(Todo {
            id,
            title,
            done: false,
        }),
    ))
}

async fn done(
    State(pool): State<PgPool>,
    Path(id): Path<i64>,
) -> Result<StatusCode, (StatusCode, String)> {
    let done = sqlx::query("UPDATE todos SET done_at = now() WHERE id = $1 AND done_at IS NULL")
        .bind(id)
        .execute(&pool)
        .await
        .map_err(internal)?;
    Ok(if done.rows_affected() == 1 {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    })
}
