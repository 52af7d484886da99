// A post-deploy migration's drops are what it is for (no warning for 002);
// what it adds comes too late for the new code (a warning for 003). The
// error below is only there so that trybuild records what the compiler
// prints.
static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/post_deploy_lints");

fn main() {
    let _ = MIGRATIONS.len();
    let _: () = "the build would succeed without this line";
}
