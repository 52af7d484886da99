//! Writes the generated sets in each tool's file format into `sets/` (not
//! committed): the same CREATE TABLE and CREATE INDEX per migration.
use std::fs;
use std::path::Path;

fn main() {
    let root = Path::new("sets");
    for n in [10, 100, 1000, 10_000] {
        let strata = root.join(format!("strata_{n}"));
        let sqlx = root.join(format!("sqlx_{n}"));
        let refinery = root.join(format!("refinery_{n}"));
        if strata.join(format!("{n:04}_table_{n}.sql")).exists() {
            continue;
        }
        sqlstrata_bench::generate_set(&strata, n).expect("sqlstrata set");
        for dir in [&sqlx, &refinery] {
            fs::create_dir_all(dir).expect("dir");
        }
        for i in 1..=n {
            let ([table, index], _) = sqlstrata_bench::table_migration(i);
            let sql = format!("{table};\n{index};\n");
            fs::write(sqlx.join(format!("{i:04}_table_{i}.sql")), &sql).expect("sqlx file");
            fs::write(refinery.join(format!("V{i}__table_{i}.sql")), &sql).expect("refinery file");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
}
