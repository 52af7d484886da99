//! The model's functions by argument types against a real PostgreSQL: a
//! function made with each argument list, dropped with each spelling of
//! argument types; the model must report no `DROP FUNCTION` the server
//! accepts (PostgreSQL's type names, `OUT` arguments, defaults, arrays,
//! schema-qualified types), and the share of those the server refuses that
//! it reports is printed (TESTING.md keeps the figure).

use sqlstrata::Migrations;
use sqlstrata::testing::TestDb;
use sqlstrata_core::schema::Model;
use sqlstrata_core::schema::objects::Origin;

/// Made first, on both.
const BEFORE: [&str; 4] = [
    "CREATE TYPE mood AS ENUM ('a')",
    "CREATE DOMAIN dom AS text",
    "CREATE SCHEMA app",
    "CREATE TYPE app.mood AS ENUM ('b')",
];

/// The argument lists functions are made with.
const MADE: [&str; 56] = [
    "a int",
    "a int4",
    "a integer",
    "a int8",
    "a bigint",
    "a smallint",
    "a varchar(10)",
    "a character varying",
    "a text",
    "a char(3)",
    "a character",
    "a bpchar",
    "a numeric(10,2)",
    "a decimal",
    "a float",
    "a float8",
    "a double precision",
    "a real",
    "a float4",
    "a timestamp",
    "a timestamptz",
    "a timestamp(3) with time zone",
    "a time",
    "a timetz",
    "a interval",
    "a bool",
    "a boolean",
    "a int[]",
    "a integer[][]",
    "a text[]",
    "a varchar[]",
    "a uuid",
    "a jsonb",
    "a json",
    "a bytea",
    "a mood",
    "a public.mood",
    "a app.mood",
    "a dom",
    "a int, OUT b text",
    "INOUT a int",
    "VARIADIC a int[]",
    "a int DEFAULT 1",
    "a int, b text",
    "",
    "a bit",
    "a bit varying",
    "a varbit",
    "a \"char\"",
    "a name",
    "a oid",
    "a regclass",
    "a inet",
    "a interval day",
    "OUT a int",
    "a int, OUT b int, c text",
];

/// Spellings tried beside the made lists without their names and defaults.
const MORE: [&str; 13] = [
    "int, text",
    "int, int",
    "int, int, text",
    "pg_catalog.int4",
    "pg_catalog.varchar",
    "_int4",
    "integer array",
    "int4[3]",
    "public.dom",
    "text",
    "OUT int",
    "IN int",
    "int, OUT int",
];

#[test]
fn drop_function_by_argument_types_matches_the_server() {
    let db = TestDb::new(&Migrations::new(Vec::new())).expect("a test database");
    let mut client = db.connect().expect("connect");
    client.batch_execute(&BEFORE.join(";")).expect("the types");
    let drops: Vec<String> = MADE
        .iter()
        .map(|c| {
            c.replace("a ", "")
                .replace(" DEFAULT 1", "")
                .replace("b ", "")
                .replace("c ", "")
        })
        .chain(MORE.iter().map(|s| s.to_string()))
        .collect();
    let at = |line| Origin {
        file: "x.sql".into(),
        line,
    };
    let (mut pairs, mut refused, mut reported) = (0, 0, 0);
    let mut false_errors = Vec::new();
    for args in MADE {
        let returns = if args.contains("OUT") {
            ""
        } else {
            "RETURNS int"
        };
        let create = format!("CREATE FUNCTION f({args}) {returns} LANGUAGE sql AS $$ SELECT 1 $$");
        for d in &drops {
            let drop = format!("DROP FUNCTION f({d})");
            client.batch_execute("BEGIN").expect("begin");
            client
                .batch_execute(&create)
                .unwrap_or_else(|e| panic!("{create}: {e}"));
            let accepted = client.batch_execute(&drop).is_ok();
            client.batch_execute("ROLLBACK").expect("rollback");
            let mut model = Model::new();
            for s in BEFORE {
                assert!(model.replay(s, at(1), &[], false).is_empty(), "{s}");
            }
            assert!(
                model.replay(&create, at(2), &[], false).is_empty(),
                "{create}"
            );
            let problems = model.replay(&drop, at(3), &[], false);
            pairs += 1;
            match (accepted, problems.first()) {
                (true, Some(p)) => {
                    false_errors.push(format!("{create}; {drop}: {}", p.message("x.sql")))
                }
                (false, Some(_)) => {
                    refused += 1;
                    reported += 1;
                }
                (false, None) => refused += 1,
                (true, None) => {}
            }
        }
    }
    println!(
        "{pairs} made and dropped: the server refuses {refused}, the model reports {reported} of them"
    );
    assert!(false_errors.is_empty(), "{false_errors:#?}");
    // Most refusals are the model's to see (the rest: spellings it is not
    // sure of, which it leaves unknown).
    assert!(reported * 10 >= refused * 9, "{reported} of {refused}");
}
