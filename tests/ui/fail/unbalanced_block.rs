static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unbalanced_block");

fn main() {
    let _ = MIGRATIONS.len();
}
