//! The service's tests: each takes a `sqlx::PgPool` of a fresh database with
//! every migration applied (a clone of a template, milliseconds) and the
//! fixtures it names.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlstrata_example_web_sqlx::{MIGRATIONS, Todo, router};
use sqlx::PgPool;
use tower::ServiceExt;

async fn call(pool: &PgPool, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = router(pool.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, body.to_vec())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post_json(path: &str, json: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(json.to_string()))
        .unwrap()
}

#[sqlstrata::test(migrations = MIGRATIONS, fixtures("todos"))]
async fn open_todos_come_first_oldest_first(pool: PgPool) {
    let (status, body) = call(&pool, get("/todos")).await;
    assert_eq!(status, StatusCode::OK);
    let todos: Vec<Todo> = serde_json::from_slice(&body).unwrap();
    let titles: Vec<(&str, bool)> = todos.iter().map(|t| (t.title.as_str(), t.done)).collect();
    assert_eq!(
        titles,
        [
            ("write the migration", false),
            ("deploy", false),
            ("review it", true)
        ]
    );
}

#[sqlstrata::test(migrations = MIGRATIONS)]
async fn a_new_todo_is_listed_and_can_be_done_once(pool: PgPool) {
    let (status, body) = call(&pool, post_json("/todos", r#"{"title":"ship"}"#)).await;
    assert_eq!(status, StatusCode::CREATED);
    let todo: Todo = serde_json::from_slice(&body).unwrap();
    let path = format!("/todos/{}/done", todo.id);
    assert_eq!(
        call(&pool, post_json(&path, "")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&pool, post_json(&path, "")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, body) = call(&pool, get("/todos")).await;
    let todos: Vec<Todo> = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        todos,
        [Todo {
            id: todo.id,
            title: "ship".into(),
            done: true
        }]
    );
}

#[sqlstrata::test(migrations = MIGRATIONS)]
async fn an_empty_title_is_refused_and_nothing_is_stored(mut conn: sqlx::PgConnection) {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM todos")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Booting twice (a restart, a second replica) applies nothing the second
/// time, through the same pool the handlers use.
#[sqlstrata::test(migrations = MIGRATIONS)]
async fn booting_on_a_migrated_database_applies_nothing(pool: PgPool) {
    let report = sqlstrata_example_web_sqlx::migrate(&pool).await.unwrap();
    assert!(report.applied().is_empty(), "{report:?}");
    // The run gave its connection back (sqlx returns it from a task).
    let given_back = async {
        while pool.num_idle() < pool.size() as usize {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), given_back)
        .await
        .expect("the run's connection is back in the pool");
}
