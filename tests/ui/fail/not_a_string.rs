static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!(migrations);

fn main() {}
