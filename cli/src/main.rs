//! `sqlstrata`: the migration commands over a folder read at run time, with
//! exactly the diagnostics of the `migrations!()` macro.

fn main() -> std::process::ExitCode {
    sqlstrata_cli::main()
}
