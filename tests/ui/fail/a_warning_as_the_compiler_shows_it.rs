// A lint is a real compiler warning, not an error: the build goes on (the
// error below is only there so that trybuild records what the compiler
// prints).
static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/a_warning_as_the_compiler_shows_it");

fn main() {
    let _ = MIGRATIONS.len();
    let _: () = "the build would succeed without this line";
}
