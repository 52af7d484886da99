static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unbalanced_do_block");

fn main() {
    let _ = MIGRATIONS.len();
}
