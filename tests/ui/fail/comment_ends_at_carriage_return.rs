static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/comment_ends_at_carriage_return");

fn main() {
    let _ = MIGRATIONS.len();
}
