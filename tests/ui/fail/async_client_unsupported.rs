static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

async fn boot(client: std::sync::Arc<tokio_postgres::Client>) {
    let _ = sqlstrata::Migrator::new(&MIGRATIONS).up_async(&client).await;
}

fn main() {}
