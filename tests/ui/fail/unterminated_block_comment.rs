static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unterminated_block_comment");

fn main() {
    let _ = MIGRATIONS.len();
}
