static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/trailing_tokens_after_end");

fn main() {
    let _ = MIGRATIONS.len();
}
