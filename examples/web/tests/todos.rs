//! The service's tests: each gets a fresh database with every migration
//! applied (a clone of a template, milliseconds) and the fixtures it names.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlstrata_example_web::{MIGRATIONS, Todo, router};
use tower::ServiceExt;

async fn call(
    client: &Arc<tokio_postgres::Client>,
    request: Request<Body>,
) -> (StatusCode, Vec<u8>) {
    let response = router(client.clone()).oneshot(request).await.unwrap();
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
async fn open_todos_come_first_oldest_first(client: tokio_postgres::Client) {
    let client = Arc::new(client);
    let (status, body) = call(&client, get("/todos")).await;
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
async fn a_new_todo_is_listed_and_can_be_done_once(client: tokio_postgres::Client) {
    let client = Arc::new(client);
    let (status, body) = call(&client, post_json("/todos", r#"{"title":"ship"}"#)).await;
    assert_eq!(status, StatusCode::CREATED);
    let todo: Todo = serde_json::from_slice(&body).unwrap();
    let path = format!("/todos/{}/done", todo.id);
    assert_eq!(
        call(&client, post_json(&path, "")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&client, post_json(&path, "")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, body) = call(&client, get("/todos")).await;
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
async fn an_empty_title_is_refused_and_nothing_is_stored(client: tokio_postgres::Client) {
    let client = Arc::new(client);
    let (status, _) = call(&client, post_json("/todos", r#"{"title":"  "}"#)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = client
        .query_one("SELECT count(*) FROM todos", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// Booting twice (a restart, a second replica) applies nothing the second time.
#[sqlstrata::test(migrations = MIGRATIONS)]
async fn booting_on_a_migrated_database_applies_nothing(client: tokio_postgres::Client) {
    let report = sqlstrata_example_web::migrate(&client).await.unwrap();
    assert!(report.applied().is_empty(), "{report:?}");
}
