//! Table-driven tests, one table per statement kind: the state before (the
//! statements that make it), a statement, and what it must say (nothing, or
//! the rule and the start of the message) and the state after.

use super::model::Space;
use super::name::Qualified;
use super::objects::{Origin, State};
use super::resolve::{Found, resolve};
use super::*;

pub(super) fn origin(line: u32) -> Origin {
    Origin {
        file: "001_x.sql".into(),
        line,
    }
}

pub(super) fn model_of(before: &[&str]) -> Model {
    let mut m = Model::new();
    for (i, s) in before.iter().enumerate() {
        let p = m.replay(s, origin(i as u32 + 1), &[], false);
        assert!(p.is_empty(), "setting up `{s}`: {p:?}");
    }
    m
}

/// What a statement must say: `None`, nothing; `Some((rule, message start))`.
type Says = Option<(&'static str, &'static str)>;

/// `(before, statement, says)`.
fn run(cases: &[(&[&str], &str, Says)]) {
    for (before, statement, says) in cases {
        let mut m = model_of(before);
        let problems = m.replay(statement, origin(100), &[], false);
        match says {
            None => assert!(
                problems.is_empty(),
                "`{statement}` after {before:?} said {:?}",
                problems
                    .iter()
                    .map(|p| p.message("f.sql"))
                    .collect::<Vec<_>>()
            ),
            Some((rule, start)) => {
                assert_eq!(
                    problems.len(),
                    1,
                    "`{statement}` after {before:?}: {problems:?}"
                );
                assert_eq!(problems[0].rule(), *rule, "`{statement}`");
                let msg = problems[0].message("f.sql");
                assert!(msg.starts_with(start), "`{statement}`: {msg}");
            }
        }
    }
}

fn rel(m: &Model, name: &str) -> Found {
    let q = Qualified {
        schema: name.split_once('.').map(|(s, _)| s.to_string()),
        name: name.rsplit('.').next().unwrap_or(name).to_string(),
        place: (1, 1),
    };
    resolve(m, Space::Relation, &q)
}

fn present(m: &Model, name: &str) -> bool {
    matches!(rel(m, name), Found::Present(_))
}

const USERS: &str = "CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE, org_id int)";
const MISSING: &str = "schema-object-missing";
const EXISTS: &str = "schema-object-exists";
const NOOP: &str = "schema-if-exists-misspelt";

#[test]
fn create_table() {
    run(&[
        (&[], USERS, None),
        (
            &[USERS],
            USERS,
            Some((
                EXISTS,
                "relation `users` already exists at f.sql: created in 001_x.sql:1",
            )),
        ),
        (&[USERS], "CREATE TABLE IF NOT EXISTS users (id int)", None),
        (&[USERS], "CREATE TABLE public.users (id int)", None),
        (&[USERS], "CREATE TEMP TABLE users (id int)", None),
        (&[USERS], "CREATE TABLE \"Users\" (id int)", None),
        (
            &[USERS],
            "CREATE TABLE USERS (id int)",
            Some((EXISTS, "relation `users`")),
        ),
        (
            &[USERS],
            "CREATE TABLE users_email_key (id int)",
            Some((EXISTS, "relation `users_email_key`")),
        ),
        (
            &[USERS],
            "CREATE TABLE users_id_seq (id int)",
            Some((EXISTS, "relation `users_id_seq`")),
        ),
        (
            &[USERS],
            "CREATE TABLE orders (id int, user_id int REFERENCES uesrs (id))",
            Some((
                MISSING,
                "table `uesrs` does not exist at f.sql; did you mean `users`",
            )),
        ),
        (
            &[USERS],
            "CREATE TABLE orders (id int, user_id int REFERENCES users (idd))",
            Some((MISSING, "column `users.idd` does not exist")),
        ),
        (
            &[USERS],
            "CREATE TABLE orders (id int, user_id int, FOREIGN KEY (user_id) REFERENCES users (id))",
            None,
        ),
        (
            &[USERS],
            "CREATE TABLE orders (id int, FOREIGN KEY (usr_id) REFERENCES users (id))",
            Some((MISSING, "column `orders.usr_id`")),
        ),
        (
            &[USERS],
            "CREATE TABLE orders (LIKE users, extra int)",
            None,
        ),
        (
            &[USERS],
            "CREATE TABLE p2024 PARTITION OF users FOR VALUES IN (1)",
            None,
        ),
        (&[], "CREATE TABLE t AS SELECT 1 AS a", None),
        // A name over 63 bytes is cut: the second is the first.
        (
            &[&format!("CREATE TABLE {} (a int)", "t".repeat(70))],
            &format!("CREATE TABLE {}x (a int)", "t".repeat(70)),
            Some((EXISTS, "relation")),
        ),
    ]);
    let m = model_of(&[USERS]);
    for name in [
        "users",
        "users_pkey",
        "users_email_key",
        "users_id_seq",
        "public.users",
    ] {
        assert!(
            matches!(rel(&m, name), Found::Present(_) | Found::Unknown),
            "{name}"
        );
    }
    assert!(present(&m, "users_pkey"));
}

#[test]
fn alter_table_columns() {
    run(&[
        (&[USERS], "ALTER TABLE users ADD COLUMN avatar text", None),
        (
            &[USERS],
            "ALTER TABLE uesrs ADD COLUMN avatar text",
            Some((
                MISSING,
                "table `uesrs` does not exist at f.sql; did you mean `users` (created in 001_x.sql:1)?",
            )),
        ),
        (
            &[USERS],
            "ALTER TABLE users ADD COLUMN email text",
            Some((EXISTS, "column `users.email` already exists")),
        ),
        (
            &[USERS],
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP COLUMN emial",
            Some((
                MISSING,
                "column `users.emial` does not exist at f.sql; did you mean `email`",
            )),
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP COLUMN IF EXISTS emial",
            Some((NOOP, "`IF EXISTS` does nothing here: column `users.emial`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP COLUMN IF EXISTS nothing_like_it",
            None,
        ),
        (
            &[USERS, "ALTER TABLE users DROP COLUMN email"],
            "ALTER TABLE users DROP COLUMN email",
            Some((
                MISSING,
                "column `users.email` does not exist at f.sql: it was dropped or renamed in 001_x.sql:2",
            )),
        ),
        (
            &[USERS],
            "ALTER TABLE users RENAME COLUMN email TO mail",
            None,
        ),
        (
            &[USERS, "ALTER TABLE users RENAME COLUMN email TO mail"],
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
            Some((MISSING, "column `users.email`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users RENAME COLUMN email TO org_id",
            Some((EXISTS, "column `users.org_id`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN email TYPE varchar(200)",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN emai TYPE varchar(200)",
            Some((MISSING, "column `users.emai`")),
        ),
        (
            &[USERS],
            "ALTER TABLE IF EXISTS uesrs ADD COLUMN x int",
            Some((NOOP, "`IF EXISTS` does nothing here: table `uesrs`")),
        ),
        (&[USERS], "ALTER TABLE migrations ADD COLUMN x int", None),
        (
            &["CREATE TABLE t (LIKE other)"],
            "ALTER TABLE t DROP COLUMN anything",
            None,
        ),
    ]);
}

#[test]
fn alter_table_rename_and_constraints() {
    run(&[
        (&[USERS], "ALTER TABLE users RENAME TO people", None),
        (
            &[USERS, "ALTER TABLE users RENAME TO people"],
            "ALTER TABLE users ADD COLUMN x int",
            Some((
                MISSING,
                "table `users` does not exist at f.sql: it was dropped or renamed in 001_x.sql:2",
            )),
        ),
        (
            &[USERS, "ALTER TABLE users RENAME TO people"],
            "ALTER TABLE people DROP COLUMN email",
            None,
        ),
        (
            &[USERS, "CREATE TABLE orders (id int)"],
            "ALTER TABLE users RENAME TO orders",
            Some((EXISTS, "relation `orders`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP CONSTRAINT users_email_key",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP CONSTRAINT users_emial_key",
            Some((
                MISSING,
                "constraint `users_emial_key on users` does not exist",
            )),
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_emial_key",
            Some((NOOP, "`IF EXISTS` does nothing here: constraint")),
        ),
        (
            &[USERS],
            "ALTER TABLE users DROP CONSTRAINT users_org_id_not_null",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id)",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
            Some((EXISTS, "relation `users_email_key`")),
        ),
        (
            &[USERS, "ALTER TABLE users ADD CHECK (org_id > 0)"],
            "ALTER TABLE users DROP CONSTRAINT users_org_id_check",
            None,
        ),
        (
            &[
                USERS,
                "ALTER TABLE users ADD FOREIGN KEY (org_id) REFERENCES users (id)",
            ],
            "ALTER TABLE users DROP CONSTRAINT users_org_id_fkey",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users RENAME CONSTRAINT users_pkey TO users_pk",
            None,
        ),
        (
            &[
                USERS,
                "ALTER TABLE users RENAME CONSTRAINT users_pkey TO users_pk",
            ],
            "ALTER INDEX users_pk RENAME TO users_pk2",
            None,
        ),
    ]);
}

#[test]
fn indexes() {
    run(&[
        (
            &[USERS],
            "CREATE INDEX idx_users_email ON users (email)",
            None,
        ),
        (
            &[USERS],
            "CREATE INDEX idx_users_email ON users (emial)",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "CREATE INDEX idx_users_email ON users (lower(email))",
            None,
        ),
        (
            &[USERS],
            "CREATE INDEX idx ON uesrs (email)",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS, "CREATE INDEX idx_user_email ON users (email)"],
            "DROP INDEX idx_user_emial",
            Some((
                MISSING,
                "index `idx_user_emial` does not exist at f.sql; did you mean `idx_user_email`",
            )),
        ),
        (
            &[USERS, "CREATE INDEX idx_user_email ON users (email)"],
            "DROP INDEX IF EXISTS idx_user_emial",
            Some((
                NOOP,
                "`IF EXISTS` does nothing here: index `idx_user_emial`",
            )),
        ),
        (
            &[USERS, "CREATE INDEX ON users (email)"],
            "DROP INDEX users_email_idx",
            None,
        ),
        (
            &[
                USERS,
                "CREATE INDEX ON users (email)",
                "CREATE INDEX ON users (email)",
            ],
            "DROP INDEX users_email_idx1",
            None,
        ),
        (
            &[USERS, "CREATE INDEX ON users (lower(email))"],
            "DROP INDEX users_lower_idx",
            None,
        ),
        (
            &[USERS, "CREATE INDEX i ON users (email)"],
            "CREATE INDEX i ON users (email)",
            Some((EXISTS, "relation `i`")),
        ),
        (
            &[USERS, "CREATE INDEX i ON users (email)"],
            "CREATE INDEX IF NOT EXISTS i ON users (email)",
            None,
        ),
        (
            &[USERS, "CREATE INDEX i ON users (email)", "DROP TABLE users"],
            "DROP INDEX i",
            Some((MISSING, "index `i` does not exist at f.sql: it was dropped")),
        ),
        (
            &[USERS],
            "ALTER INDEX users_email_key RENAME TO users_mail_key",
            None,
        ),
    ]);
}

#[test]
fn drops() {
    run(&[
        (&[USERS], "DROP TABLE users", None),
        (
            &[USERS],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS],
            "DROP TABLE IF EXISTS uesrs",
            Some((
                NOOP,
                "`IF EXISTS` does nothing here: table `uesrs` does not exist at f.sql; did you mean `users`",
            )),
        ),
        (&[USERS], "DROP TABLE IF EXISTS something_else", None),
        (
            &[USERS, "DROP TABLE users"],
            "DROP TABLE users",
            Some((
                MISSING,
                "table `users` does not exist at f.sql: it was dropped",
            )),
        ),
        (
            &[USERS, "DROP TABLE users"],
            "DROP TABLE IF EXISTS users",
            None,
        ),
        (
            &[USERS, "DROP TABLE users"],
            "CREATE TABLE users (id int)",
            None,
        ),
        (
            &[USERS, "DROP TABLE users"],
            "DROP SEQUENCE users_id_seq",
            Some((MISSING, "sequence `users_id_seq`")),
        ),
        (
            &[USERS, "CREATE VIEW v AS SELECT id FROM users"],
            "DROP TABLE users CASCADE",
            None,
        ),
        (
            &[
                USERS,
                "CREATE VIEW v AS SELECT id FROM users",
                "DROP TABLE users CASCADE",
            ],
            "DROP VIEW v",
            None,
        ),
        (
            &["CREATE SCHEMA app", "CREATE TABLE app.t (a int)"],
            "DROP SCHEMA app CASCADE",
            None,
        ),
        (
            &[
                "CREATE SCHEMA app",
                "CREATE TABLE app.t (a int)",
                "DROP SCHEMA app CASCADE",
            ],
            "DROP TABLE app.t",
            Some((MISSING, "table `app.t`")),
        ),
        (
            &["CREATE SCHEMA app", "DROP SCHEMA app"],
            "DROP SCHEMA app",
            Some((MISSING, "schema `app`")),
        ),
    ]);
}

#[test]
fn schemas_and_the_search_path() {
    run(&[
        (
            &["CREATE SCHEMA app"],
            "CREATE SCHEMA app",
            Some((EXISTS, "schema `app`")),
        ),
        (
            &["CREATE SCHEMA app"],
            "CREATE SCHEMA IF NOT EXISTS app",
            None,
        ),
        (
            &["CREATE SCHEMA app", "CREATE TABLE app.users (id int)"],
            "ALTER TABLE app.uesrs ADD COLUMN x int",
            Some((MISSING, "table `app.uesrs`")),
        ),
        // The connection's path may reach app: no error either way.
        (
            &["CREATE SCHEMA app", "CREATE TABLE app.users (id int)"],
            "ALTER TABLE users ADD COLUMN x int",
            None,
        ),
        (
            &[
                "CREATE SCHEMA app",
                "SET search_path TO app",
                "CREATE TABLE users (id int)",
            ],
            "ALTER TABLE app.users ADD COLUMN x int",
            None,
        ),
        (
            &["CREATE TABLE users (id int)"],
            "ALTER TABLE public.users ADD COLUMN x int",
            None,
        ),
        (
            &["CREATE TABLE public.users (id int)"],
            "ALTER TABLE users ADD COLUMN x int",
            None,
        ),
        (
            &["CREATE TABLE public.users (id int)"],
            "ALTER TABLE users DROP COLUMN anything",
            None,
        ),
        (
            &["CREATE TABLE users (id int)"],
            "ALTER TABLE auth.users ADD COLUMN x int",
            None,
        ),
        (
            &["CREATE TABLE users (id int)"],
            "ALTER TABLE auth.usres ADD COLUMN x int",
            None,
        ),
        (
            &[
                "SELECT set_config('search_path', 'app', false)",
                "CREATE TABLE t (a int)",
            ],
            "ALTER TABLE t ADD COLUMN b int",
            None,
        ),
        (
            &[
                "CREATE SCHEMA s",
                "SET search_path = s, public",
                "CREATE TABLE t (a int)",
            ],
            "ALTER TABLE s.t ADD COLUMN a int",
            Some((EXISTS, "column `t.a`")),
        ),
    ]);
}

#[test]
fn what_the_model_cannot_follow_is_unknown() {
    let after = |opaque: &str| -> Vec<&'static str> {
        vec![
            "ALTER TABLE uesrs ADD COLUMN x int",
            "DROP TABLE uesrs",
            "ALTER TABLE users DROP COLUMN emial",
            "CREATE TABLE users (id int)",
        ]
        .into_iter()
        .filter(|s| {
            let mut m = model_of(&[USERS, opaque]);
            !m.replay(s, origin(9), &[], false).is_empty()
        })
        .collect()
    };
    for opaque in [
        "DO $$ BEGIN EXECUTE 'CREATE TABLE uesrs (x int)'; END $$",
        "SELECT make_tables()",
        "CREATE EXTENSION postgis",
        "CALL migrate_things()",
        "CREATE EVENT TRIGGER t ON ddl_command_start EXECUTE FUNCTION f()",
        "IMPORT FOREIGN SCHEMA s FROM SERVER x INTO public",
    ] {
        assert!(
            after(opaque).is_empty(),
            "after `{opaque}`: {:?}",
            after(opaque)
        );
    }
    // An unchecked statement: unknown too.
    let mut m = model_of(&[USERS]);
    m.replay("ALTER TABLE users DROP COLUMN email", origin(2), &[], true);
    assert!(
        m.replay(
            "ALTER TABLE users ADD COLUMN email text",
            origin(3),
            &[],
            false
        )
        .is_empty()
    );
    // The server's own functions change nothing.
    let mut m = model_of(&[
        USERS,
        "SELECT now(), count(*) FROM users",
        "INSERT INTO users (email) VALUES (lower('A'))",
    ]);
    assert_eq!(m.replay("DROP TABLE uesrs", origin(4), &[], false).len(), 1);
    // A function a migration made: by what its body does.
    let mut m = model_of(&[
        USERS,
        "CREATE FUNCTION now2() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "SELECT now2()",
    ]);
    assert_eq!(m.replay("DROP TABLE uesrs", origin(4), &[], false).len(), 1);
    let mk = "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE uesrs ()'; END $$";
    let mut m = model_of(&[USERS, mk, "SELECT mk()"]);
    assert!(
        m.replay("DROP TABLE uesrs", origin(4), &[], false)
            .is_empty()
    );
    let mut m = model_of(&[
        USERS,
        mk,
        "CREATE FUNCTION outer_fn() RETURNS int LANGUAGE sql AS 'SELECT mk(); SELECT 1'",
        "UPDATE users SET org_id = outer_fn()",
    ]);
    assert!(
        m.replay("DROP TABLE uesrs", origin(5), &[], false)
            .is_empty()
    );
    // A rename the model cannot read: only those names are unknown.
    let mut m = model_of(&[USERS, "ALTER SEQUENCE users_id_seq RENAME TO uesrs"]);
    assert!(
        m.replay("DROP TABLE uesrs", origin(4), &[], false)
            .is_empty()
    );
    assert_eq!(
        m.replay("ALTER TABLE usres ADD COLUMN x int", origin(5), &[], false)
            .len(),
        1
    );
}

#[test]
fn dml_grant_comment() {
    run(&[
        (&[USERS], "INSERT INTO users (email) VALUES ('a')", None),
        (
            &[USERS],
            "INSERT INTO users (emial) VALUES ('a')",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "INSERT INTO uesrs (email) VALUES ('a')",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS],
            "UPDATE users SET emial = 'a'",
            Some((MISSING, "column `users.emial`")),
        ),
        (&[USERS], "UPDATE users SET email = 'a' WHERE id = 1", None),
        (
            &[USERS],
            "DELETE FROM uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS],
            "GRANT SELECT ON uesrs TO app",
            Some((MISSING, "table `uesrs`")),
        ),
        (&[USERS], "GRANT SELECT ON users TO app", None),
        (
            &[USERS],
            "COMMENT ON TABLE uesrs IS 'x'",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS],
            "COMMENT ON COLUMN users.emial IS 'x'",
            Some((MISSING, "column `users.emial`")),
        ),
        (&[USERS], "COMMENT ON COLUMN users.email IS 'x'", None),
        (&[USERS], "TRUNCATE uesrs", Some((MISSING, "table `uesrs`"))),
        (&[USERS], "INSERT INTO users SELECT * FROM users", None),
    ]);
}

#[test]
fn types_functions_triggers_policies_extensions_views_sequences() {
    let mood = "CREATE TYPE mood AS ENUM ('happy', 'sad')";
    let f =
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
    let trg =
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()";
    run(&[
        (&[mood], mood, Some((EXISTS, "type `mood`"))),
        (&[mood], "DROP TYPE mood", None),
        (&[mood], "DROP TYPE mod", None),
        (&[mood], "DROP TYPE moood", Some((MISSING, "type `moood`"))),
        (
            &[mood, "DROP TYPE mood"],
            "DROP TYPE mood",
            Some((MISSING, "type `mood`")),
        ),
        (&[mood], "ALTER TYPE mood ADD VALUE 'meh'", None),
        (&[mood], "ALTER TYPE mood RENAME TO feeling", None),
        (
            &[mood, "ALTER TYPE mood RENAME TO feeling"],
            "DROP TYPE mood",
            Some((MISSING, "type `mood`")),
        ),
        (
            &["CREATE TYPE pair AS (a int, b int)"],
            "CREATE TABLE pair (x int)",
            Some((EXISTS, "relation `pair`")),
        ),
        (&["CREATE DOMAIN email AS text"], "DROP DOMAIN email", None),
        (&[f], f, None),
        (&[f], "DROP FUNCTION touch()", None),
        // Its one overload dropped, the name is gone.
        (
            &[f, "DROP FUNCTION touch()"],
            "DROP FUNCTION touch()",
            Some((
                MISSING,
                "function `touch` does not exist at f.sql: it was dropped",
            )),
        ),
        (
            &[f, "DROP FUNCTION touch()"],
            "DROP FUNCTION IF EXISTS touch()",
            None,
        ),
        (&[USERS, f], trg, None),
        (
            &[USERS, f, trg],
            trg,
            Some((EXISTS, "trigger `users_touch on users`")),
        ),
        (&[USERS, f, trg], "DROP TRIGGER users_touch ON users", None),
        (
            &[USERS, f, trg],
            "DROP TRIGGER users_tuoch ON users",
            Some((MISSING, "trigger `users_tuoch on users`")),
        ),
        (
            &[USERS, f, trg],
            "DROP TRIGGER IF EXISTS users_tuoch ON users",
            Some((NOOP, "`IF EXISTS` does nothing here: trigger")),
        ),
        (&[USERS], "CREATE POLICY own ON users USING (true)", None),
        (
            &[USERS, "CREATE POLICY own ON users USING (true)"],
            "DROP POLICY own ON users",
            None,
        ),
        (
            &[USERS, "CREATE POLICY owner_only ON users USING (true)"],
            "DROP POLICY owner_onyl ON users",
            Some((MISSING, "policy")),
        ),
        (
            &["CREATE EXTENSION pgcrypto"],
            "CREATE EXTENSION pgcrypto",
            Some((EXISTS, "extension `pgcrypto`")),
        ),
        (
            &["CREATE EXTENSION pgcrypto"],
            "CREATE EXTENSION IF NOT EXISTS pgcrypto",
            None,
        ),
        (
            &["CREATE EXTENSION pgcrypto"],
            "SELECT gen_salt('bf')",
            None,
        ),
        (
            &["CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\""],
            "CREATE TABLE t (id uuid DEFAULT uuid_generate_v4())",
            None,
        ),
        (
            &[USERS, "CREATE VIEW active AS SELECT id, email FROM users"],
            "CREATE VIEW active AS SELECT 1 AS x",
            Some((EXISTS, "relation `active`")),
        ),
        (
            &[USERS, "CREATE VIEW active AS SELECT id, email FROM users"],
            "CREATE OR REPLACE VIEW active AS SELECT id FROM users",
            None,
        ),
        (
            &[USERS, "CREATE MATERIALIZED VIEW mv AS SELECT id FROM users"],
            "DROP MATERIALIZED VIEW mv",
            None,
        ),
        (
            &["CREATE SEQUENCE counter"],
            "CREATE SEQUENCE counter",
            Some((EXISTS, "relation `counter`")),
        ),
        (
            &["CREATE SEQUENCE counter"],
            "DROP SEQUENCE countr",
            Some((MISSING, "sequence `countr`")),
        ),
        (
            &["CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY)"],
            "DROP SEQUENCE t_id_seq",
            None,
        ),
    ]);
}

#[test]
fn queries_types_and_sequences() {
    let orders = "CREATE TABLE orders (id bigint, user_id bigint, total int)";
    run(&[
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id",
            None,
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT u.emial FROM users u",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT emial FROM users",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT totl FROM users, orders",
            Some((
                MISSING,
                "column `totl` does not exist at f.sql; did you mean `total`",
            )),
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT id FROM uesrs",
            Some((MISSING, "relation `uesrs`")),
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS WITH uesrs AS (SELECT 1 AS x) SELECT x FROM uesrs",
            None,
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT (SELECT max(total) FROM orders WHERE orders.user_id = users.id) AS m FROM users",
            None,
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT (SELECT max(total) FROM ordrs) AS m FROM users",
            Some((MISSING, "relation `ordrs`")),
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT users FROM users",
            None,
        ),
        (
            &[USERS, orders],
            "CREATE VIEW v AS SELECT x.a FROM (SELECT 1 AS a) x",
            None,
        ),
        (
            &[USERS, orders],
            "INSERT INTO orders (id) SELECT id FROM uesrs",
            Some((MISSING, "relation `uesrs`")),
        ),
        (
            &[USERS],
            "UPDATE users SET email = lower(emial)",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "UPDATE users SET email = x.e FROM (SELECT 'a' AS e) x",
            None,
        ),
        (
            &[USERS],
            "DELETE FROM users WHERE emial IS NULL",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "CREATE INDEX i ON users (email) WHERE emial IS NOT NULL",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users ADD COLUMN t timsetamp",
            Some((
                MISSING,
                "type `timsetamp` does not exist at f.sql; did you mean `timestamp`",
            )),
        ),
        (&[USERS], "ALTER TABLE users ADD COLUMN t citext", None),
        (
            &[USERS],
            "ALTER TABLE users ADD COLUMN t geometry(Point, 4326)",
            None,
        ),
        (
            &[USERS, "CREATE TYPE mood AS ENUM ('a')"],
            "ALTER TABLE users ADD COLUMN m mod",
            None,
        ),
        (
            &[USERS, "CREATE TYPE mood AS ENUM ('a')"],
            "ALTER TABLE users ADD COLUMN m moood[]",
            Some((MISSING, "type `moood`")),
        ),
        (&[USERS], "ALTER TABLE users ADD COLUMN u users", None),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN org_id TYPE bigint USING org_id::bigint",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN org_id TYPE bigint USING ogr_id::bigint",
            Some((MISSING, "column `users.ogr_id`")),
        ),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('users_id_seq')",
            None,
        ),
        (
            &[USERS],
            "ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('users_id_sq')",
            Some((MISSING, "sequence `users_id_sq`")),
        ),
        (&[USERS], "SELECT setval('users_id_seq', 10)", None),
        (
            &[
                USERS,
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            ],
            "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION tuoch()",
            Some((
                MISSING,
                "function `tuoch` does not exist at f.sql; did you mean `touch`",
            )),
        ),
        (
            &[USERS],
            "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            None,
        ),
    ]);
}

#[test]
fn external_declared_names_are_never_errors() {
    let mut m = model_of(&[USERS]);
    let external = vec!["uesrs".to_string()];
    assert!(
        m.replay(
            "ALTER TABLE uesrs ADD COLUMN x int",
            origin(2),
            &external,
            false
        )
        .is_empty()
    );
    let external = vec!["ues*".to_string()];
    assert!(
        m.replay("DROP TABLE uesrs", origin(2), &external, false)
            .is_empty()
    );
}

#[test]
fn every_statement_postgresql_accepts_replays_without_an_error() {
    // ../shared/pg-statements.sql in the repository's tests: statements
    // PostgreSQL accepts, on a database where each one's objects exist. The
    // model starts empty, so errors there can only be about names it made
    // itself; there must be none.
    let text = include_str!("../../tests/data/pg-statements.sql");
    let entries: Vec<&str> = text.split("\n--#\n").collect();
    assert!(entries.len() >= 132);
    for entry in entries {
        let mut m = Model::new();
        for (i, s) in crate::migration::check_script("pg.sql", entry)
            .0
            .iter()
            .enumerate()
        {
            let problems = m.replay(s.sql(), origin(i as u32), &[], false);
            assert!(
                problems.is_empty(),
                "`{}`: {:?}",
                s.sql(),
                problems
                    .iter()
                    .map(|p| p.message("pg.sql"))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn the_state_after() {
    let m = model_of(&[
        USERS,
        "ALTER TABLE users ADD COLUMN avatar text",
        "ALTER TABLE users RENAME TO people",
    ]);
    assert_eq!(rel(&m, "users"), Found::Absent(Some(origin(3))));
    assert!(present(&m, "people"));
    let people = m.relation("", "people").unwrap();
    assert_eq!(people.columns.state("avatar"), State::Present);
    assert_eq!(people.columns.state("nope"), State::Absent);
    assert_eq!(
        people.columns.types.get("email").map(String::as_str),
        Some("text")
    );
    // The owned sequence and the indexes follow their table.
    assert_eq!(
        m.relation("", "users_id_seq")
            .and_then(|r| r.owner.clone())
            .as_deref(),
        Some("people")
    );
}

#[test]
fn primary_key_using_an_index_takes_the_index() {
    let m = model_of(&[
        "CREATE TABLE vd (id serial PRIMARY KEY, x int)",
        "CREATE UNIQUE INDEX vd_unique ON vd (x)",
        "ALTER TABLE vd DROP CONSTRAINT vd_pkey, ADD CONSTRAINT vd_pkey PRIMARY KEY USING INDEX vd_unique, DROP COLUMN id",
    ]);
    assert_ne!(
        rel(&m, "vd_pkey"),
        Found::Absent(Some(origin(3))),
        "{:?}",
        m.relation("", "vd_pkey")
    );
    assert_ne!(rel(&m, "vd_unique"), Found::Present(String::new()));
}

#[test]
fn a_down_that_does_not_undo_its_up() {
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let read = |file: &str, sql: &str| {
        let name = parse_file_name(file).unwrap();
        read_migration(file, &name, file, sql).0.unwrap()
    };
    let set = vec![
        read(
            "001_users.sql",
            "-- UP\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- DOWN\nDROP TABLE users;\n",
        ),
        read(
            "002_avatar.sql",
            "-- UP\nALTER TABLE users ADD COLUMN avatar_url text;\nCREATE INDEX i ON users (email);\n-- DOWN\nDROP INDEX i;\n",
        ),
        read(
            "003_fine.sql",
            "-- UP\nALTER TABLE users ADD COLUMN a int;\n-- DOWN\nALTER TABLE users DROP COLUMN a;\n",
        ),
        read(
            "004_drops.sql",
            "-- UP\nDROP INDEX i;\n-- DOWN\nSELECT 1;\n",
        ),
        read(
            "005_more.sql",
            "-- UP\nSELECT 1;\n-- DOWN\nALTER TABLE users DROP COLUMN a;\n",
        ),
    ];
    let findings = check_set(&set, &[], &[]);
    let downs: Vec<(usize, Vec<String>)> = findings
        .iter()
        .filter(|f| f.problem.is_none())
        .map(|f| (f.migration, f.differences.clone()))
        .collect();
    assert_eq!(
        downs,
        vec![
            (1, vec!["leaves column users.avatar_url".to_string()]),
            (
                3,
                vec!["does not restore index `i` that its UP drops".to_string()]
            ),
            (
                4,
                vec!["drops column users.a that its UP did not create".to_string()]
            ),
        ],
        "{findings:?}"
    );
}

#[test]
fn two_statements_in_one_text_are_not_followed() {
    // The folder's reader splits statements; a text of two is not read.
    let mut m = model_of(&[USERS, "CREATE TABLE orders (id int)"]);
    assert!(
        m.replay("DROP TABLE users; DROP TABLE orders", origin(3), &[], false)
            .is_empty()
    );
    assert!(
        m.replay("ALTER TABLE users ADD COLUMN x int", origin(4), &[], false)
            .is_empty()
    );
    let mut m = model_of(&[USERS, "CREATE INDEX i ON users (email)"]);
    assert!(
        m.replay(
            "DROP INDEX CONCURRENTLY i; DROP TABLE users",
            origin(3),
            &[],
            false
        )
        .is_empty()
    );
    assert!(
        m.replay("ALTER TABLE users ADD COLUMN x int", origin(4), &[], false)
            .is_empty()
    );
}

#[test]
fn concurrently_is_read_without_the_word() {
    assert_eq!(
        super::without_concurrently("DROP INDEX CONCURRENTLY i").as_deref(),
        Some("DROP INDEX              i")
    );
    assert_eq!(
        super::without_concurrently("DROP INDEX \"concurrently\""),
        None
    );
    assert_eq!(super::without_concurrently("DROP INDEX i"), None);
    let mut m = model_of(&[USERS, "CREATE INDEX idx_user_email ON users (email)"]);
    let p = m.replay(
        "DROP INDEX CONCURRENTLY idx_user_emial",
        origin(3),
        &[],
        false,
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].place(), (1, 25));
    assert!(
        m.replay(
            "DROP INDEX CONCURRENTLY IF EXISTS idx_user_email",
            origin(4),
            &[],
            false
        )
        .is_empty()
    );
    assert_eq!(
        m.replay("DROP INDEX idx_user_email", origin(5), &[], false)
            .len(),
        1
    );
}

#[test]
fn the_builtin_table() {
    use super::builtin::{extension_objects, is_builtin, knows_extension};
    assert!(is_builtin(Space::Type, None, "int4"));
    assert!(is_builtin(Space::Function, None, "now"));
    // information_schema is not on the search path: `tables` alone is the
    // migrations' own (kestra's `triggers`), `information_schema.tables`
    // the server's.
    assert!(!is_builtin(Space::Relation, None, "tables"));
    assert!(!is_builtin(Space::Relation, None, "triggers"));
    assert!(is_builtin(
        Space::Relation,
        Some("information_schema"),
        "tables"
    ));
    assert!(
        is_builtin(Space::Type, None, "citext"),
        "an extension's type"
    );
    assert!(!is_builtin(Space::Type, None, "users"));
    assert!(!is_builtin(Space::Function, None, "tables"));
    assert!(!is_builtin(Space::Relation, Some("public"), "tables"));
    assert!(is_builtin(Space::Relation, Some("pg_catalog"), "anything"));
    assert!(knows_extension("pgcrypto") && !knows_extension("postgis"));
    assert!(
        extension_objects("pgcrypto", Space::Function).is_some_and(|f| f.contains(&"gen_salt"))
    );
    assert!(extension_objects("citext", Space::Type).is_some_and(|t| t.contains(&"citext")));
    assert!(extension_objects("citext", Space::Relation).is_some_and(|r| r.is_empty()));
    assert!(
        extension_objects("pg_stat_statements", Space::Relation)
            .is_some_and(|r| r.contains(&"pg_stat_statements"))
    );
    assert_eq!(extension_objects("postgis", Space::Type), None);
}

#[test]
fn a_file_that_cannot_be_read_makes_the_model_forget_from_there() {
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let read = |file: &str, sql: &str| {
        let name = parse_file_name(file).unwrap();
        read_migration(file, &name, file, sql).0.unwrap()
    };
    let set = vec![
        read("001_users.sql", "-- UP\nCREATE TABLE users (id bigint);\n"),
        read(
            "003_typo.sql",
            "-- UP\nCREATE TABLE t2 (id int);\nALTER TABLE uesrs ADD COLUMN x int;\n-- DOWN\nALTER TABLE t2 DROP COLUMN y;\n",
        ),
    ];
    let errors = |failed: &[i64]| -> Vec<(usize, usize)> {
        check_set(&set, &[], failed)
            .iter()
            .filter(|f| f.problem.is_some())
            .map(|f| (f.migration, f.statement))
            .collect()
    };
    // The DOWN's statement is counted after the UP's.
    assert_eq!(errors(&[]), vec![(1, 1), (1, 2)]);
    for before in [0, 2, 3] {
        assert_eq!(errors(&[before]), vec![(1, 2)], "{before} failed");
    }
    for not_before in [4, i64::MAX] {
        assert_eq!(errors(&[not_before]), vec![(1, 1), (1, 2)], "{not_before}");
    }
}

#[test]
fn more_statement_kinds() {
    let seq = "CREATE SEQUENCE s";
    run(&[
        // A trigger's condition reads NEW and OLD as its table.
        (
            &[USERS],
            "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.emial IS NULL) EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            Some((MISSING, "column `users.emial`")),
        ),
        (
            &[USERS],
            "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            None,
        ),
        // A DO block that only writes rows changes no name; one with DDL may change any.
        (
            &[
                USERS,
                "DO $$ BEGIN INSERT INTO users (email) VALUES ('a'); END $$",
            ],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[USERS, "DO $$ BEGIN CREATE TABLE uesrs (); END $$"],
            "DROP TABLE uesrs",
            None,
        ),
        // IF EXISTS of a dropped name keeps it known absent.
        (
            &[USERS, "DROP TABLE users", "DROP TABLE IF EXISTS users"],
            "DROP TABLE users",
            Some((
                MISSING,
                "table `users` does not exist at f.sql: it was dropped",
            )),
        ),
        // A view's columns through a parenthesised query.
        (
            &[USERS, "CREATE VIEW v AS (SELECT id FROM users)"],
            "COMMENT ON COLUMN v.idd IS 'x'",
            Some((MISSING, "column `v.idd`")),
        ),
        // A qualified name is never a CTE's.
        (
            &[USERS],
            "CREATE VIEW v AS WITH uesrs AS (SELECT 1 AS a) SELECT a FROM public.uesrs",
            Some((MISSING, "relation `public.uesrs`")),
        ),
        // A sequence owned by a table goes with it.
        (
            &[
                seq,
                "CREATE TABLE t (a int)",
                "ALTER SEQUENCE IF EXISTS s OWNED BY t.a",
                "DROP TABLE t",
            ],
            "DROP SEQUENCE s",
            Some((
                MISSING,
                "sequence `s` does not exist at f.sql: it was dropped",
            )),
        ),
        (
            &[
                seq,
                "CREATE TABLE t (a int)",
                "ALTER SEQUENCE s OWNED BY t.a",
                "DROP TABLE t",
            ],
            "DROP SEQUENCE s",
            Some((MISSING, "sequence `s`")),
        ),
        (
            &[
                seq,
                "CREATE TABLE t (a int)",
                "ALTER SEQUENCE s OWNED BY t.a",
                "ALTER SEQUENCE s OWNED BY NONE",
                "DROP TABLE t",
            ],
            "DROP SEQUENCE s",
            None,
        ),
        // An unread ALTER TABLE forgets that table only.
        (
            &[
                USERS,
                "CREATE TABLE orders (id int)",
                "ALTER TABLE users ALTER CONSTRAINT users_email_key DEFERRABLE, ADD COLUMN x int",
            ],
            "ALTER TABLE users DROP COLUMN anything",
            None,
        ),
        (
            &[
                USERS,
                "CREATE TABLE orders (id int)",
                "ALTER TABLE users ALTER CONSTRAINT users_email_key DEFERRABLE",
            ],
            "DROP TABLE ordrs",
            Some((MISSING, "table `ordrs`")),
        ),
        (
            &[
                USERS,
                "CREATE TABLE orders (id int)",
                "ALTER TABLE public.users ALTER CONSTRAINT users_email_key DEFERRABLE",
            ],
            "DROP TABLE ordrs",
            Some((MISSING, "table `ordrs`")),
        ),
        // Column CHECK constraints are named as PostgreSQL names them.
        (
            &["CREATE TABLE t (a int CHECK (a > 0))"],
            "ALTER TABLE t DROP CONSTRAINT t_a_check",
            None,
        ),
        (
            &["CREATE TABLE t (a int CHECK (a > 0))"],
            "ALTER TABLE t DROP CONSTRAINT t_a_chek",
            Some((MISSING, "constraint `t_a_chek on t`")),
        ),
        (
            &[],
            "CREATE TABLE t (a int CHECK (b > 0))",
            Some((MISSING, "column `t.b`")),
        ),
        // A unique constraint dropped takes its index.
        (
            &[USERS, "ALTER TABLE users DROP CONSTRAINT users_email_key"],
            "DROP INDEX users_email_key",
            Some((
                MISSING,
                "index `users_email_key` does not exist at f.sql: it was dropped",
            )),
        ),
        // A composite type dropped frees its row type's name.
        (
            &["CREATE TYPE pair AS (a int)", "DROP TYPE pair"],
            "CREATE TABLE pair (x int)",
            None,
        ),
        // An unread CREATE: only its name is unknown.
        (
            &[
                USERS,
                "CREATE UNLOGGED TABLE counter (a int) WITH (fillfactor = 70) TABLESPACE pg_default",
            ],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[
                USERS,
                "CREATE UNLOGGED TABLE IF NOT EXISTS counter (a int) WITH (fillfactor = 70) TABLESPACE pg_default",
            ],
            "DROP TABLE countr",
            None,
        ),
        // An unread CREATE SEQUENCE (pg_dump's form) where none was: made.
        (
            &[USERS, "CREATE UNLOGGED SEQUENCE counter"],
            "DROP SEQUENCE countr",
            Some((MISSING, "sequence `countr`")),
        ),
        (
            &[
                USERS,
                "CREATE SEQUENCE counter AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1",
            ],
            "CREATE SEQUENCE counter",
            Some((EXISTS, "relation `counter`")),
        ),
        // One that may have been there already: unknown.
        (
            &[
                USERS,
                "SELECT make_things()",
                "CREATE SEQUENCE IF NOT EXISTS counter START WITH 1 INCREMENT BY 1",
            ],
            "DROP SEQUENCE countr",
            None,
        ),
        (
            &[
                USERS,
                "CREATE UNLOGGED TABLE IF NOT EXISTS logs (a int) WITH (fillfactor = 70) TABLESPACE pg_default",
            ],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        // Unread renames: what is renamed must exist.
        (
            &[USERS],
            "ALTER SEQUENCE users_id_sq RENAME TO x",
            Some((MISSING, "sequence `users_id_sq`")),
        ),
        (
            &[USERS],
            "ALTER SEQUENCE IF EXISTS users_id_sq RENAME TO x",
            Some((
                NOOP,
                "`IF EXISTS` does nothing here: sequence `users_id_sq`",
            )),
        ),
        (&[USERS], "ALTER SEQUENCE users_id_seq RENAME TO x", None),
        (
            &[USERS],
            "ALTER TRIGGER t ON uesrs RENAME TO u",
            Some((MISSING, "table `uesrs`")),
        ),
        // An index made IF NOT EXISTS where the name may be taken: unknown.
        (
            &[
                USERS,
                "DO $$ BEGIN EXECUTE 'x'; END $$",
                "CREATE INDEX IF NOT EXISTS users_x ON users (email)",
            ],
            "DROP INDEX users_x",
            None,
        ),
    ]);
}

#[test]
fn a_down_that_leaves_a_schema() {
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let name = parse_file_name("001_app.sql").unwrap();
    let m = read_migration(
        "001_app.sql",
        &name,
        "001_app.sql",
        "-- UP\nCREATE SCHEMA app;\n-- DOWN\nSELECT 1;\n",
    )
    .0
    .unwrap();
    let findings = check_set(&[m], &[], &[]);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].differences,
        vec!["leaves schema `app`".to_string()]
    );
}

#[test]
fn survivors_of_a_second_sample() {
    run(&[
        // A name the reader cannot take apart: the model forgets.
        (
            &[USERS, "ALTER SEQUENCE \"Odd\" OWNED BY users.id"],
            "DROP TABLE uesrs",
            None,
        ),
        (
            &[USERS, "ALTER TABLE \"Users\" ALTER CONSTRAINT x DEFERRABLE"],
            "DROP TABLE uesrs",
            None,
        ),
        // set_config of the search path.
        (
            &[
                "CREATE SCHEMA app",
                "SELECT set_config('search_path', 'app', false)",
                "CREATE TABLE t (a int)",
            ],
            "ALTER TABLE app.t ADD COLUMN a int",
            Some((EXISTS, "column `t.a`")),
        ),
        (
            &[
                "CREATE SCHEMA app",
                "SELECT set_config('statement_timeout', '1s', false)",
                "CREATE TABLE t (a int)",
            ],
            "CREATE TABLE app.t (b int)",
            None,
        ),
        // A renamed constraint is gone under its old name.
        (
            &[
                USERS,
                "ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_mail_key",
            ],
            "ALTER TABLE users DROP CONSTRAINT users_email_key",
            Some((MISSING, "constraint `users_email_key on users`")),
        ),
        (
            &[
                USERS,
                "ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_mail_key",
            ],
            "ALTER TABLE users DROP CONSTRAINT users_mail_key",
            None,
        ),
        // An unread move to another schema: those names only.
        (
            &[USERS, "ALTER SEQUENCE users_id_seq SET SCHEMA app"],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
    ]);
    // A statement's allow does not reach the next one.
    let text = "-- UP\n-- sqlstrata: allow(schema-object-missing)\nSELECT 1;\nALTER TABLE uesrs ADD x int;\n";
    assert!(super::report::tests_allowed(text, text.find("ALTER").unwrap_or(0)).is_empty());
    // An extension its DOWN leaves.
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let name = parse_file_name("001_x.sql").unwrap();
    let m = read_migration(
        "001_x.sql",
        &name,
        "001_x.sql",
        "-- UP\nCREATE EXTENSION pgcrypto;\n-- DOWN\nSELECT 1;\n",
    )
    .0
    .unwrap();
    let findings = check_set(&[m], &[], &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        findings[0].differences,
        vec!["leaves extension `pgcrypto`".to_string()]
    );
}

#[test]
fn survivors_of_a_third_sample() {
    let v = "CREATE VIEW v AS SELECT id, lower(email) FROM users";
    run(&[
        // Columns of a table made from a query, and of a view.
        (
            &[USERS, "CREATE TABLE t2 AS SELECT id, email FROM users"],
            "ALTER TABLE t2 DROP COLUMN emial",
            Some((MISSING, "column `t2.emial`")),
        ),
        (&[USERS, v], "COMMENT ON COLUMN v.lower IS 'x'", None),
        (
            &[USERS, v],
            "COMMENT ON COLUMN v.lowr IS 'x'",
            Some((MISSING, "column `v.lowr`")),
        ),
        (&[USERS, v], "COMMENT ON VIEW vv IS 'x'", None),
        (
            &[USERS, v, "CREATE VIEW viewer AS SELECT 1 AS a"],
            "COMMENT ON VIEW viewr IS 'x'",
            Some((MISSING, "view `viewr`")),
        ),
        // Tables read by queries.
        (
            &[USERS],
            "CREATE VIEW w AS (SELECT id FROM uesrs)",
            Some((MISSING, "relation `uesrs`")),
        ),
        (
            &[USERS],
            "SELECT * FROM uesrs",
            Some((MISSING, "relation `uesrs`")),
        ),
        // A column added with a check on another column.
        (
            &[USERS],
            "ALTER TABLE users ADD COLUMN n int CHECK (ogr_id > 0)",
            Some((MISSING, "column `users.ogr_id`")),
        ),
        // SET search_path to one schema, and back to the default.
        (
            &[
                "CREATE SCHEMA app",
                "SET search_path = app",
                "CREATE TABLE t (a int)",
            ],
            "ALTER TABLE app.t ADD COLUMN a int",
            Some((EXISTS, "column `t.a`")),
        ),
        (
            &[
                "CREATE SCHEMA app",
                "SET search_path = app",
                "SET search_path TO DEFAULT",
                "CREATE TABLE t (a int)",
            ],
            "CREATE TABLE app.t (b int)",
            None,
        ),
        // Schemas.
        (
            &[],
            "CREATE SCHEMA public",
            Some((EXISTS, "schema `public`")),
        ),
        (&[], "CREATE SCHEMA IF NOT EXISTS public", None),
        (
            &["CREATE SCHEMA app", "DROP SCHEMA app"],
            "DROP SCHEMA IF EXISTS app",
            None,
        ),
        // A name in a schema the model knows, searched along the connection's path.
        (
            &["CREATE SCHEMA app", "CREATE TABLE app.orders (id int)"],
            "DROP TABLE ordrs",
            Some((MISSING, "table `ordrs`")),
        ),
        // A domain dropped with CASCADE.
        (
            &["CREATE DOMAIN email AS text", "CREATE TABLE t (e email)"],
            "DROP DOMAIN email CASCADE",
            None,
        ),
    ]);
}

#[test]
fn survivors_of_a_fourth_sample() {
    let ddl = "DO $$ BEGIN EXECUTE 'x'; END $$";
    run(&[
        // Columns of a domain dropped with CASCADE are no longer known.
        (
            &[
                "CREATE DOMAIN email AS text",
                "CREATE TABLE t (e email)",
                "DROP DOMAIN email CASCADE",
            ],
            "ALTER TABLE t ADD COLUMN e text",
            None,
        ),
        // IF NOT EXISTS where the model does not know: it still does not know.
        (
            &[ddl, "CREATE SCHEMA IF NOT EXISTS app"],
            "CREATE SCHEMA app",
            None,
        ),
        // Unread statements with qualified names, ONLY.
        (
            &[USERS, "CREATE UNLOGGED SEQUENCE app.counter"],
            "DROP TABLE uesrs",
            Some((MISSING, "table `uesrs`")),
        ),
        (
            &[
                USERS,
                "CREATE TABLE orders (id int)",
                "ALTER TABLE ONLY users ALTER CONSTRAINT users_email_key DEFERRABLE",
            ],
            "DROP TABLE ordrs",
            Some((MISSING, "table `ordrs`")),
        ),
    ]);
    let mut m = model_of(&[USERS]);
    let p = m.replay(
        "ALTER SEQUENCE users_id_sq RENAME TO x",
        origin(2),
        &[],
        false,
    );
    assert_eq!(p.first().map(Problem::place), Some((1, 16)));
    assert_eq!(super::exprs::calls("SELECT a"), Vec::<String>::new());
    assert_eq!(super::exprs::calls("SELECT f ("), vec!["f".to_string()]);
}

#[test]
fn alter_constraint_changes_no_name() {
    const FK: &str = "CREATE TABLE orders (id int, user_id int CONSTRAINT orders_user_id_fkey REFERENCES users (id))";
    const DEFER: &str =
        "ALTER TABLE orders ALTER CONSTRAINT orders_user_id_fkey DEFERRABLE INITIALLY DEFERRED";
    run(&[
        (&[USERS, FK], DEFER, None),
        // The table must exist.
        (
            &[USERS, FK],
            "ALTER TABLE ordres ALTER CONSTRAINT orders_user_id_fkey INITIALLY DEFERRED",
            Some((MISSING, "table `ordres` does not exist")),
        ),
        (
            &[USERS, FK],
            "ALTER TABLE IF EXISTS ordres ALTER CONSTRAINT orders_user_id_fkey INITIALLY DEFERRED",
            Some((NOOP, "`IF EXISTS` does nothing here: table `ordres`")),
        ),
        // And each constraint.
        (
            &[USERS, FK],
            "ALTER TABLE orders ALTER CONSTRAINT orders_usre_id_fkey INITIALLY DEFERRED",
            Some((
                MISSING,
                "constraint `orders_usre_id_fkey on orders` does not exist",
            )),
        ),
        (
            &[USERS, FK],
            "ALTER TABLE orders ALTER CONSTRAINT orders_user_id_fkey DEFERRABLE, ALTER CONSTRAINT orders_usre_id_fkey NOT DEFERRABLE",
            Some((MISSING, "constraint `orders_usre_id_fkey on orders`")),
        ),
        // Afterwards the columns and constraints are still known.
        (
            &[USERS, FK, DEFER],
            "CREATE INDEX ON orders (usre_id)",
            Some((MISSING, "column `orders.usre_id` does not exist")),
        ),
        (
            &[USERS, FK, DEFER],
            "ALTER TABLE orders DROP CONSTRAINT orders_usre_id_fkey",
            Some((MISSING, "constraint `orders_usre_id_fkey on orders`")),
        ),
        // Anything else it does is not followed: the columns are unknown.
        (
            &[
                USERS,
                FK,
                "ALTER TABLE orders ALTER CONSTRAINT orders_user_id_fkey DEFERRABLE, ADD COLUMN x int",
            ],
            "CREATE INDEX ON orders (usre_id)",
            None,
        ),
        // An unread ALTER TABLE of another kind checks its table too.
        (
            &[USERS, FK],
            "ALTER TABLE ordres ALTER CONSTRAINT orders_user_id_fkey DEFERRABLE, ADD COLUMN x int",
            Some((MISSING, "table `ordres` does not exist")),
        ),
    ]);
}

#[test]
fn sequence_owned_by_names_a_table_and_column() {
    const SEQ: &str = "CREATE SEQUENCE users_seq";
    run(&[
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE users_seq OWNED BY users.id",
            None,
        ),
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE users_seq OWNED BY NONE",
            None,
        ),
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE users_seq OWNED BY uesrs.id",
            Some((MISSING, "table `uesrs` does not exist")),
        ),
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE users_seq OWNED BY users.emial",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE uesrs_seq OWNED BY users.id",
            Some((MISSING, "sequence `uesrs_seq` does not exist")),
        ),
        (
            &[USERS, SEQ],
            "ALTER SEQUENCE users_seq OWNED BY audit.log.id",
            None,
        ),
    ]);
    // The sequence goes with its table.
    let mut m = model_of(&[USERS, SEQ, "ALTER SEQUENCE users_seq OWNED BY users.id"]);
    assert!(
        m.replay("DROP TABLE users", origin(9), &[], false)
            .is_empty()
    );
    assert!(!present(&m, "users_seq"));
}

#[test]
fn a_qualified_name_in_a_known_schema_is_the_connections_own_object() {
    run(&[
        // `public.users` can only be `users` (if `public` is the
        // connection's schema) or nothing: either way a misspelt column is
        // an error.
        (
            &[USERS],
            "CREATE INDEX ON public.users (emial)",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (&[USERS], "CREATE INDEX ON public.users (email)", None),
        (
            &[USERS],
            "ALTER TABLE public.users ADD COLUMN avatar text",
            None,
        ),
        (
            &[USERS, "ALTER TABLE public.users ADD COLUMN avatar text"],
            "CREATE INDEX ON users (avatr)",
            Some((MISSING, "column `users.avatr`")),
        ),
        // A schema no migration made holds external objects: never an error.
        (&[USERS], "CREATE INDEX ON auth.users (emial)", None),
        (&[USERS], "ALTER TABLE auth.users ADD COLUMN x int", None),
        // A schema that may hold it under that name: unknown.
        (
            &[
                USERS,
                "CREATE SCHEMA app",
                "SET search_path = app",
                "DO $$ BEGIN EXECUTE 'x'; END $$",
            ],
            "CREATE INDEX ON app.users (emial)",
            None,
        ),
        (
            &[USERS, "CREATE TABLE public.users (id int)"],
            "CREATE INDEX ON public.users (emial)",
            Some((MISSING, "column `users.emial`")),
        ),
    ]);
    // What tells a path set to `app` from the connection's own: whether
    // `app.t` is known there (`ALTER TABLE app.t` finds `t` either way).
    for set in [
        "SET search_path = app",
        "SELECT set_config('search_path', 'app', false)",
    ] {
        run(&[
            (
                &["CREATE SCHEMA app", set, "CREATE TABLE t (a int)"],
                "CREATE TABLE app.t (b int)",
                Some((EXISTS, "relation `app.t`")),
            ),
            (
                &["CREATE SCHEMA app", set, "CREATE TABLE t (a int)"],
                "ALTER TABLE app.t ADD COLUMN a int",
                Some((EXISTS, "column `t.a`")),
            ),
        ]);
    }
    assert!(present(&model_of(&[USERS]), "public.users"));
    assert!(!present(&model_of(&[USERS]), "auth.users"));
}

/// The columns of a relation, when the model knows them all.
fn columns_of(m: &Model, name: &str) -> Option<Vec<String>> {
    let Found::Present(s) = rel(m, name) else {
        return None;
    };
    let r = m.relation(&s, name)?;
    r.columns
        .complete
        .then(|| r.columns.present().map(|(n, _)| n.to_string()).collect())
}

/// `(before, statement making `v`, its columns: `None` when unknown)`.
type ColumnsCase = (
    &'static [&'static str],
    &'static str,
    Option<&'static [&'static str]>,
);

#[test]
fn the_columns_of_views_and_tables_made_from_queries() {
    const ORDERS: &str = "CREATE TABLE orders (id int, user_id int, total numeric)";
    let cases: &[ColumnsCase] = &[
        (
            &[USERS],
            "CREATE VIEW v AS SELECT id, email AS mail FROM users",
            Some(&["id", "mail"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT u.id, u.* FROM users u",
            Some(&["email", "id", "org_id"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM users",
            Some(&["email", "id", "org_id"]),
        ),
        // Functions are named after themselves, casts after what they cast.
        (
            &[USERS],
            "CREATE VIEW v AS SELECT count(*), coalesce(org_id, 0), id::text FROM users GROUP BY id",
            Some(&["coalesce", "count", "id"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT (id)::bigint, public.lower(email) FROM users",
            Some(&["id", "lower"]),
        ),
        // A scalar subquery after its column, EXISTS as `exists`.
        (
            &[USERS, ORDERS],
            "CREATE VIEW v AS SELECT u.id, (SELECT sum(total) FROM orders o WHERE o.user_id = u.id), EXISTS (SELECT 1 FROM orders) FROM users u",
            Some(&["exists", "id", "sum"]),
        ),
        // CTEs and derived tables, with their column lists.
        (
            &[USERS],
            "CREATE VIEW v AS WITH x AS (SELECT id, email FROM users) SELECT x.* FROM x",
            Some(&["email", "id"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS WITH x (a, b) AS (SELECT id, email FROM users) SELECT * FROM x",
            Some(&["a", "b"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT d.* FROM (SELECT id AS k FROM users) d",
            Some(&["k"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM (SELECT id, email FROM users) AS d (a)",
            Some(&["a", "email"]),
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT id FROM users UNION ALL SELECT 1",
            Some(&["id"]),
        ),
        (
            &[],
            "CREATE VIEW v AS VALUES (1, 2)",
            Some(&["column1", "column2"]),
        ),
        // The view's own list renames the first ones.
        (
            &[USERS],
            "CREATE VIEW v (a) AS SELECT id, email FROM users",
            Some(&["a", "email"]),
        ),
        // The order of a table's columns is not held: a shorter list over
        // `*` leaves the names unknown.
        (&[USERS], "CREATE VIEW v (a) AS SELECT * FROM users", None),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM users AS u (a)",
            None,
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM users AS u (a, b, c)",
            Some(&["a", "b", "c"]),
        ),
        // What the model cannot name: unknown.
        (&[USERS], "CREATE VIEW v AS SELECT id + 1 FROM users", None),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT 'x'::text FROM users",
            None,
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT NOT EXISTS (SELECT 1 FROM users)",
            None,
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM users, generate_series(1, 2) g",
            None,
        ),
        (
            &[USERS],
            "CREATE VIEW v AS SELECT * FROM users, audit_log",
            None,
        ),
        (
            &[USERS, "CREATE SEQUENCE s"],
            "CREATE VIEW v AS SELECT * FROM s",
            None,
        ),
        (
            &[USERS],
            "CREATE VIEW v AS WITH RECURSIVE x AS (SELECT id FROM users UNION SELECT id FROM x) SELECT * FROM x",
            Some(&["id"]),
        ),
        // CREATE TABLE ... AS and materialized views alike.
        (
            &[USERS],
            "CREATE TABLE v AS SELECT u.*, 1 AS one FROM users u",
            Some(&["email", "id", "one", "org_id"]),
        ),
        (
            &[USERS],
            "CREATE TABLE v AS SELECT * FROM users u JOIN orders o ON o.user_id = u.id",
            None,
        ),
        (
            &[USERS, ORDERS],
            "CREATE MATERIALIZED VIEW v AS SELECT o.*, u.email FROM orders o JOIN users u ON o.user_id = u.id",
            Some(&["email", "id", "total", "user_id"]),
        ),
    ];
    for (before, statement, cols) in cases {
        let mut m = model_of(before);
        let p = m.replay(statement, origin(50), &[], false);
        assert!(p.is_empty(), "`{statement}`: {p:?}");
        let mut got = columns_of(&m, "v");
        if let Some(g) = &mut got {
            g.sort();
        }
        let want = cols.map(|c| c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "`{statement}`");
    }
    // Then a misspelt column of the view is an error.
    run(&[(
        &[USERS, "CREATE VIEW v AS SELECT u.* FROM users u"],
        "SELECT emial FROM v",
        Some((MISSING, "column `v.emial` does not exist")),
    )]);
    // A sequence's columns are not a table's.
    run(&[(&["CREATE SEQUENCE s"], "SELECT last_value FROM s", None)]);
}

#[test]
fn columns_of_ctes_derived_tables_and_join_conditions() {
    const ORDERS: &str = "CREATE TABLE orders (id int, user_id int, total numeric)";
    run(&[
        // A CTE's columns are known from its query.
        (
            &[USERS],
            "WITH x AS (SELECT id, email AS mail FROM users) SELECT x.mial FROM x",
            Some((MISSING, "column `x.mial` does not exist")),
        ),
        (
            &[USERS],
            "WITH x AS (SELECT id, email AS mail FROM users) SELECT mail, x.id FROM x",
            None,
        ),
        (
            &[USERS],
            "WITH x AS (SELECT id, email AS mail FROM users) SELECT mial FROM x",
            Some((MISSING, "column `mial` does not exist")),
        ),
        (
            &[USERS],
            "WITH x (a, b) AS (SELECT id, email FROM users) SELECT x.b FROM x",
            None,
        ),
        // ... unless the model cannot name them.
        (
            &[USERS],
            "WITH x AS (SELECT id + 1 FROM users) SELECT x.anything FROM x",
            None,
        ),
        (
            &[USERS],
            "WITH RECURSIVE x AS (SELECT id FROM users UNION SELECT x.idd FROM x) SELECT * FROM x",
            None,
        ),
        // A derived table's, and its own query's references.
        (
            &[USERS],
            "SELECT d.emial FROM (SELECT id, email FROM users) d",
            Some((MISSING, "column `d.emial` does not exist")),
        ),
        (
            &[USERS],
            "SELECT d.k FROM (SELECT emial AS k FROM users) d",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (
            &[USERS],
            "SELECT d.a FROM (SELECT id, email FROM users) AS d (a)",
            None,
        ),
        // A LATERAL one sees the items before it: not checked here.
        (
            &[USERS, ORDERS],
            "SELECT l.n FROM users u CROSS JOIN LATERAL (SELECT u.id AS n) l",
            None,
        ),
        // Its columns are named all the same.
        (
            &[USERS, ORDERS],
            "SELECT l.emial FROM users u CROSS JOIN LATERAL (SELECT u.email) l",
            Some((
                MISSING,
                "column `l.emial` does not exist at f.sql; did you mean `email`",
            )),
        ),
        (
            &[USERS, ORDERS],
            "SELECT l.anything FROM users u CROSS JOIN LATERAL (SELECT u.*) l",
            None,
        ),
        // Join conditions and HAVING are checked too.
        (
            &[USERS, ORDERS],
            "SELECT 1 FROM users u JOIN orders o ON o.usre_id = u.id",
            Some((MISSING, "column `orders.usre_id` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "SELECT 1 FROM users u LEFT JOIN orders o ON user_id = u.id",
            None,
        ),
        (
            &[USERS, ORDERS],
            "SELECT user_id FROM orders GROUP BY user_id HAVING sum(totl) > 0",
            Some((MISSING, "column `orders.totl` does not exist")),
        ),
        // An item whose columns are unknown hides an unqualified name.
        (
            &[USERS],
            "SELECT anything FROM users, (SELECT 1 + 1) d",
            None,
        ),
    ]);
}

#[test]
fn trigger_update_of_names_columns() {
    const FN: &str =
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
    run(&[
        (
            &[USERS, FN],
            "CREATE TRIGGER t AFTER UPDATE OF email, org_id ON users FOR EACH ROW EXECUTE FUNCTION touch()",
            None,
        ),
        (
            &[USERS, FN],
            "CREATE TRIGGER t AFTER INSERT OR UPDATE OF emial ON users FOR EACH ROW EXECUTE FUNCTION touch()",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (
            &[USERS, FN],
            "CREATE OR REPLACE TRIGGER t BEFORE UPDATE OF email, org_di ON users FOR EACH ROW EXECUTE FUNCTION touch()",
            Some((MISSING, "column `users.org_di` does not exist")),
        ),
        // Columns not known whole: not checked.
        (
            &[
                USERS,
                FN,
                "ALTER TABLE users ALTER CONSTRAINT users_email_key DEFERRABLE, ADD COLUMN x int",
            ],
            "CREATE TRIGGER t AFTER UPDATE OF emial ON users FOR EACH ROW EXECUTE FUNCTION touch()",
            None,
        ),
    ]);
}

#[test]
fn functions_by_argument_types() {
    const F_TEXT: &str = "CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$";
    const F_INT: &str = "CREATE FUNCTION f(a integer, b varchar(10) DEFAULT 'x') RETURNS int LANGUAGE sql AS $$ SELECT 1 $$";
    run(&[
        (&[F_TEXT], "DROP FUNCTION f(text)", None),
        (&[F_TEXT], "DROP FUNCTION f(x text)", None),
        (&[F_TEXT], "DROP FUNCTION f(IN text, OUT r int)", None),
        (&[F_TEXT], "DROP FUNCTION f", None),
        (&[F_TEXT], "DROP FUNCTION public.f(pg_catalog.text)", None),
        (
            &[F_TEXT],
            "DROP FUNCTION f(integer)",
            Some((
                MISSING,
                "function `f(integer)` does not exist at f.sql; did you mean `f(text)` (created in 001_x.sql:1)?",
            )),
        ),
        (
            &[F_TEXT],
            "DROP FUNCTION IF EXISTS f(integer)",
            Some((NOOP, "`IF EXISTS` does nothing here: function `f(integer)`")),
        ),
        // PostgreSQL's names of one type are one type.
        (&[F_INT], "DROP FUNCTION f(int4, character varying)", None),
        (&[F_INT], "DROP FUNCTION f(int, varchar(99))", None),
        (
            &[F_INT],
            "DROP FUNCTION f(int)",
            Some((MISSING, "function `f(integer)` does not exist")),
        ),
        (
            &[F_INT],
            "DROP FUNCTION f(bigint, varchar)",
            Some((
                MISSING,
                "function `f(bigint, character varying)` does not exist at f.sql; did you mean `f(integer, character varying)`",
            )),
        ),
        (
            &[
                "CREATE FUNCTION g(timestamptz, bool, int[], numeric(10,2)) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            ],
            "DROP FUNCTION g(timestamp with time zone, boolean, integer[][], decimal)",
            None,
        ),
        (
            &[
                "CREATE FUNCTION g(timestamp, float8, char(2)) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            ],
            "DROP FUNCTION g(timestamp without time zone, double precision, character)",
            None,
        ),
        (
            &["CREATE FUNCTION g(timestamp) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"],
            "DROP FUNCTION g(timestamptz)",
            Some((MISSING, "function `g(timestamp with time zone)`")),
        ),
        // Both overloads known: each by its types.
        (&[F_TEXT, F_INT], "DROP FUNCTION f(integer, varchar)", None),
        (&[F_TEXT, F_INT], "DROP FUNCTION f(text)", None),
        (
            &[F_TEXT, F_INT],
            "DROP FUNCTION f(bool)",
            Some((
                MISSING,
                "function `f(boolean)` does not exist at f.sql; did you mean `f(text)`",
            )),
        ),
        // One dropped, the other remains; both dropped: the name is gone.
        (
            &[F_TEXT, F_INT, "DROP FUNCTION f(text)"],
            "DROP FUNCTION f(text)",
            Some((MISSING, "function `f(text)` does not exist")),
        ),
        (
            &[F_TEXT, F_INT, "DROP FUNCTION f(text)"],
            "DROP FUNCTION f",
            None,
        ),
        (
            &[
                F_TEXT,
                F_INT,
                "DROP FUNCTION f(text)",
                "DROP FUNCTION f(int, varchar)",
            ],
            "DROP FUNCTION f(int)",
            Some((MISSING, "function `f` does not exist")),
        ),
        (
            &[F_TEXT, "DROP FUNCTION f"],
            "DROP FUNCTION f(text)",
            Some((MISSING, "function `f` does not exist")),
        ),
        // ALTER FUNCTION names one overload too, and changes no name but
        // for a rename or a move.
        (
            &[F_TEXT],
            "ALTER FUNCTION f(integer) OWNER TO app",
            Some((MISSING, "function `f(integer)` does not exist")),
        ),
        (&[F_TEXT], "ALTER FUNCTION f(text) OWNER TO app", None),
        (
            &[F_TEXT, "ALTER FUNCTION f(text) SET search_path = public"],
            "DROP FUNCTION f(integer)",
            Some((MISSING, "function `f(integer)`")),
        ),
        // Renamed or moved, the overload goes with it.
        (
            &[F_TEXT, "ALTER FUNCTION f(text) RENAME TO g"],
            "DROP FUNCTION f(integer)",
            Some((
                MISSING,
                "function `f` does not exist at f.sql: it was dropped or renamed",
            )),
        ),
        (
            &[F_TEXT, "ALTER FUNCTION f(text) RENAME TO g"],
            "DROP FUNCTION g(text)",
            None,
        ),
        (
            &[F_TEXT, "ALTER FUNCTION f(text) RENAME TO g"],
            "DROP FUNCTION g(integer)",
            Some((
                MISSING,
                "function `g(integer)` does not exist at f.sql; did you mean `g(text)`",
            )),
        ),
        (
            &[F_TEXT, F_INT, "ALTER FUNCTION f(text) RENAME TO g"],
            "DROP FUNCTION f(text)",
            Some((
                MISSING,
                "function `f(text)` does not exist at f.sql; did you mean `f(integer, character varying)`",
            )),
        ),
        (
            &[F_TEXT, F_INT, "ALTER FUNCTION f(text) RENAME TO g"],
            "DROP FUNCTION f(int, varchar)",
            None,
        ),
        (
            &[
                F_TEXT,
                "CREATE SCHEMA app",
                "ALTER FUNCTION f(text) SET SCHEMA app",
            ],
            "DROP FUNCTION app.f(text)",
            None,
        ),
        (
            &[
                F_TEXT,
                "CREATE SCHEMA app",
                "ALTER FUNCTION f(text) SET SCHEMA app",
            ],
            "DROP FUNCTION app.f(integer)",
            Some((MISSING, "function `app.f(integer)` does not exist")),
        ),
        // By name alone: its one overload.
        (
            &[F_TEXT, "ALTER FUNCTION f RENAME TO g"],
            "DROP FUNCTION g(text)",
            None,
        ),
        // When in doubt: unknown, never an error.
        (&[F_TEXT], "DROP FUNCTION f(users.id%TYPE)", None),
        (&[F_TEXT], "DROP FUNCTION f(float(10))", None),
        (&[F_TEXT], "DROP FUNCTION f(\"char\")", None),
        (
            &["CREATE FUNCTION f(a \"char\") RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"],
            "DROP FUNCTION f(text)",
            None,
        ),
        // Another schema's overloads, or the connection's own, may be these.
        (
            &[
                "CREATE FUNCTION public.f(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
                F_INT,
            ],
            "DROP FUNCTION f(bool)",
            None,
        ),
        (
            &[
                F_INT,
                "CREATE FUNCTION public.f(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            ],
            "DROP FUNCTION public.f(bool)",
            None,
        ),
        (
            &[
                F_TEXT,
                "CREATE PROCEDURE f(a int) LANGUAGE sql AS $$ SELECT 1 $$",
            ],
            "DROP FUNCTION f(bool)",
            None,
        ),
        (
            &[F_TEXT, "DO $$ BEGIN EXECUTE 'x'; END $$"],
            "DROP FUNCTION f(bool)",
            None,
        ),
        (
            &[
                "CREATE FUNCTION similarity(a int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
                "CREATE EXTENSION pg_trgm",
            ],
            "DROP FUNCTION similarity(text, text)",
            None,
        ),
        // No overload with as many arguments: any is suggested.
        (
            &[F_TEXT],
            "DROP FUNCTION f(text, int)",
            Some((
                MISSING,
                "function `f(text, integer)` does not exist at f.sql; did you mean `f(text)`",
            )),
        ),
        (
            &[F_TEXT],
            "DROP FUNCTION f()",
            Some((MISSING, "function `f()` does not exist")),
        ),
    ]);
}

#[test]
fn comment_on_a_function_names_one_overload() {
    const F_TEXT: &str = "CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$";
    // Reported at the function's own name.
    let mut m = model_of(&[F_TEXT]);
    let p = m.replay(
        "COMMENT ON FUNCTION public.f(varchar) IS 'x'",
        origin(9),
        &[],
        false,
    );
    assert_eq!(p.iter().map(|p| p.place()).collect::<Vec<_>>(), [(1, 28)]);
    let p = m.replay("DROP FUNCTION\n  f(int)", origin(9), &[], false);
    assert_eq!(p.iter().map(|p| p.place()).collect::<Vec<_>>(), [(2, 3)]);
    run(&[
        (&[F_TEXT], "COMMENT ON FUNCTION f(text) IS 'x'", None),
        (&[F_TEXT], "COMMENT ON FUNCTION f IS 'x'", None),
        (
            &[F_TEXT],
            "COMMENT ON FUNCTION public.f(pg_catalog.text) IS 'x'",
            None,
        ),
        (
            &[F_TEXT],
            "COMMENT ON FUNCTION public.f(varchar) IS 'x'",
            Some((
                MISSING,
                "function `public.f(character varying)` does not exist at f.sql; did you mean `public.f(text)`",
            )),
        ),
        (
            &[F_TEXT],
            "COMMENT ON FUNCTION f(integer) IS 'x'",
            Some((
                MISSING,
                "function `f(integer)` does not exist at f.sql; did you mean `f(text)`",
            )),
        ),
        (
            &[F_TEXT],
            "COMMENT ON FUNCTION f(integer) IS 'x'",
            Some((MISSING, "function `f(integer)` does not exist")),
        ),
        (
            &["CREATE FUNCTION touch_row() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"],
            "COMMENT ON FUNCTION tuoch_row() IS 'x'",
            Some((
                MISSING,
                "function `tuoch_row` does not exist at f.sql; did you mean `touch_row`",
            )),
        ),
        (
            &[F_TEXT],
            "COMMENT ON FUNCTION audit_log_fn(integer) IS 'x'",
            None,
        ),
    ]);
}

#[test]
fn update_from_and_delete_using_read_their_items() {
    const ORDERS: &str = "CREATE TABLE orders (id int, user_id int, total numeric)";
    run(&[
        (
            &[USERS, ORDERS],
            "UPDATE orders o SET total = 0 FROM users u WHERE u.id = o.user_id AND u.emial IS NULL",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders o SET total = u.org_id FROM users u WHERE u.id = o.usre_id",
            Some((MISSING, "column `orders.usre_id` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = org_id FROM users WHERE users.id = orders.user_id",
            None,
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = 0 FROM uesrs u WHERE u.id = orders.user_id",
            Some((MISSING, "relation `uesrs` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = totl + 1",
            Some((MISSING, "column `orders.totl` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = (SELECT count(*) FROM users u WHERE u.id = orders.usr_id)",
            Some((MISSING, "column `orders.usr_id` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "DELETE FROM orders a USING (SELECT min(id) AS id, user_id FROM orders GROUP BY user_id) b WHERE a.user_id = b.user_id AND a.id <> b.id",
            None,
        ),
        (
            &[USERS, ORDERS],
            "DELETE FROM orders a USING (SELECT min(id) AS id, usre_id FROM orders GROUP BY user_id) b WHERE a.id = b.id",
            Some((MISSING, "column `orders.usre_id` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "DELETE FROM orders a USING (SELECT min(id) AS id FROM orders) b WHERE a.id = b.idd",
            Some((MISSING, "column `b.idd` does not exist")),
        ),
        (
            &[USERS, ORDERS],
            "DELETE FROM orders a USING ordres b WHERE a.id = b.id",
            Some((MISSING, "relation `ordres` does not exist")),
        ),
        // An item whose columns are unknown hides unqualified names.
        (
            &[USERS, ORDERS],
            "DELETE FROM orders USING generate_series(1, 3) g WHERE anything = 1",
            None,
        ),
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = DEFAULT WHERE id = 1",
            None,
        ),
    ]);
}

#[test]
fn a_cascade_forgets_only_the_constraints_it_can_take() {
    const ORDERS: &str = "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id), total numeric CHECK (total > 0), code text UNIQUE)";
    const VIEW: &str = "CREATE VIEW v AS SELECT id FROM orders";
    const FN: &str =
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
    // Making one again: an error while the model knows it is there, nothing
    // once a cascade may have taken it.
    let again = |c: &str| format!("ALTER TABLE orders ADD CONSTRAINT {c} CHECK (true)");
    let (pkey, key, fkey, check) = (
        again("orders_pkey"),
        again("orders_code_key"),
        again("orders_user_id_fkey"),
        again("orders_total_check"),
    );
    let there = Some((EXISTS, "constraint `orders_"));
    let view: &[&str] = &[USERS, ORDERS, VIEW, "DROP VIEW v CASCADE"];
    let func: &[&str] = &[USERS, ORDERS, FN, "DROP FUNCTION touch() CASCADE"];
    let table: &[&str] = &[
        USERS,
        ORDERS,
        "CREATE TABLE t (x int)",
        "DROP TABLE t CASCADE",
    ];
    let column: &[&str] = &[USERS, ORDERS, "ALTER TABLE users DROP COLUMN email CASCADE"];
    let operator: &[&str] = &[
        USERS,
        ORDERS,
        FN,
        "CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)",
        "DROP FUNCTION touch() CASCADE",
    ];
    let range: &[&str] = &[
        USERS,
        ORDERS,
        FN,
        "CREATE TYPE fr AS RANGE (subtype = float8)",
        "DROP FUNCTION touch() CASCADE",
    ];
    let ty: &[&str] = &[
        USERS,
        ORDERS,
        "CREATE TYPE mood AS ENUM ('a')",
        "DROP TYPE mood CASCADE",
    ];
    let renamed: &[&str] = &[
        USERS,
        ORDERS,
        "ALTER TABLE orders RENAME CONSTRAINT orders_pkey TO orders_pk",
        VIEW,
        "DROP VIEW v CASCADE",
    ];
    run(&[
        (&[USERS, ORDERS], &check, there),
        // A view takes no constraint with it but through a function (a
        // check may call one taking its row): keys stay known.
        (view, &pkey, there),
        (view, &key, there),
        (view, &fkey, there),
        (view, &check, None),
        // A name never made stays absent.
        (
            view,
            "ALTER TABLE orders DROP CONSTRAINT orders_total_chekc",
            Some((MISSING, "constraint `orders_total_chekc on orders`")),
        ),
        // A function: likewise.
        (func, &fkey, there),
        (func, &check, None),
        // ... unless objects made of functions (operators, casts, base or
        // range types) may chain to any constraint.
        (operator, &pkey, None),
        (range, &pkey, None),
        // A table or a column: the foreign keys to it may go, keys stay;
        // one the model knows refers to another table stays too.
        (table, &key, there),
        (table, &fkey, there),
        (&[USERS, ORDERS, "DROP TABLE users CASCADE"], &fkey, None),
        (column, &pkey, there),
        (column, &fkey, None),
        // A type: anything.
        (ty, &pkey, None),
        // A renamed constraint keeps its kind.
        (renamed, &again("orders_pk"), there),
    ]);
}

#[test]
fn a_dropped_column_takes_only_its_own_constraints() {
    const T: &str = "CREATE TABLE c (id serial PRIMARY KEY, uuid uuid NOT NULL UNIQUE, n int CHECK (n > 0), p int REFERENCES c (id))";
    let again = |c: &str| format!("ALTER TABLE c ADD CONSTRAINT {c} CHECK (true)");
    let there = Some((EXISTS, "constraint `c_"));
    run(&[
        // The key on another column stays known.
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            "ALTER TABLE c DROP CONSTRAINT c_uuid_kye",
            Some((
                MISSING,
                "constraint `c_uuid_kye on c` does not exist at f.sql; did you mean `c_uuid_key`",
            )),
        ),
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            &again("c_uuid_key"),
            there,
        ),
        (&[T, "ALTER TABLE c DROP COLUMN p"], &again("c_pkey"), there),
        // Its own are gone, with their indexes: the names are free again.
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            &again("c_p_fkey"),
            None,
        ),
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            "ALTER TABLE c DROP CONSTRAINT c_p_fkey",
            Some((MISSING, "constraint `c_p_fkey on c` does not exist")),
        ),
        (
            &[
                T,
                "ALTER TABLE c DROP COLUMN id CASCADE",
                "ALTER TABLE c ADD PRIMARY KEY (uuid)",
            ],
            "ALTER TABLE c DROP CONSTRAINT c_pkye",
            Some((
                MISSING,
                "constraint `c_pkye on c` does not exist at f.sql; did you mean `c_pkey`",
            )),
        ),
        (
            &[T, "ALTER TABLE c DROP COLUMN uuid"],
            "CREATE TABLE c_uuid_key (x int)",
            None,
        ),
        // A check's columns are not held: it may have gone.
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            &again("c_n_check"),
            None,
        ),
        (
            &[T, "ALTER TABLE c DROP COLUMN p"],
            "ALTER TABLE c DROP CONSTRAINT c_n_check",
            None,
        ),
        // After a column is renamed, which constraint is on which is not
        // held any more.
        (
            &[
                T,
                "ALTER TABLE c RENAME COLUMN uuid TO u",
                "ALTER TABLE c DROP COLUMN u",
            ],
            &again("c_uuid_key"),
            None,
        ),
        (
            &[
                T,
                "ALTER TABLE c RENAME COLUMN uuid TO u",
                "ALTER TABLE c DROP COLUMN p",
            ],
            &again("c_uuid_key"),
            None,
        ),
    ]);
}

#[test]
fn an_index_renamed_renames_its_constraint() {
    const T: &str = "CREATE TABLE user_ (id serial PRIMARY KEY, actor_id text CONSTRAINT idx_user_actor_id UNIQUE)";
    run(&[
        (
            &[
                T,
                "ALTER TABLE user_ RENAME TO person",
                "ALTER INDEX idx_user_actor_id RENAME TO idx_person_actor_id",
            ],
            "ALTER TABLE person DROP CONSTRAINT idx_person_actor_id",
            None,
        ),
        (
            &[
                T,
                "ALTER TABLE user_ RENAME TO person",
                "ALTER INDEX user__pkey RENAME TO person__pkey",
            ],
            "ALTER TABLE person DROP CONSTRAINT user__pkey",
            Some((MISSING, "constraint `user__pkey on person` does not exist")),
        ),
        // An index the model does not pin down (a dropped column may have
        // taken it): the constraint of that name may have been renamed.
        (
            &[
                "CREATE TABLE t (id int CONSTRAINT t_k UNIQUE, x int)",
                "ALTER TABLE t DROP COLUMN x",
                "ALTER INDEX t_k RENAME TO t_k2",
            ],
            "ALTER TABLE t DROP CONSTRAINT t_k2",
            None,
        ),
        // Where the constraint is known absent, it is not.
        (
            &[
                T,
                "CREATE TABLE t (id int CONSTRAINT t_k UNIQUE, x int)",
                "ALTER TABLE t DROP COLUMN x",
                "ALTER INDEX idx_user_actor_id RENAME TO t_k2",
            ],
            "ALTER TABLE t DROP CONSTRAINT t_k2",
            Some((MISSING, "constraint `t_k2 on t` does not exist")),
        ),
    ]);
}

#[test]
fn a_qualifier_must_name_a_from_item() {
    const ORDERS: &str = "CREATE TABLE orders (id int, user_id int, total numeric)";
    run(&[
        (
            &[USERS, ORDERS],
            "UPDATE orders SET total = uesrs.org_id FROM users WHERE users.id = orders.user_id",
            Some((
                MISSING,
                "table `uesrs` does not exist at f.sql; did you mean `users`",
            )),
        ),
        (
            &[USERS, ORDERS],
            "SELECT ordrs.id FROM orders",
            Some((MISSING, "table `ordrs` does not exist")),
        ),
        // Not close to any item: no guess (PostgreSQL refuses it too).
        (&[USERS, ORDERS], "SELECT zz.id FROM orders", None),
        // A correlated subquery sees the enclosing items; a CTE's too.
        (
            &[USERS, ORDERS],
            "SELECT (SELECT count(*) FROM orders o WHERE o.user_id = users.id) FROM users",
            None,
        ),
        (
            &[USERS, ORDERS],
            "SELECT (WITH x AS (SELECT users.id AS k) SELECT x.k FROM x) FROM users",
            None,
        ),
        // An item whose name is not known (a function without an alias)
        // may be the one meant.
        (
            &[USERS, ORDERS],
            "SELECT generate_serie.x FROM users, generate_series(1, 2)",
            None,
        ),
        // A join's alias names an item.
        (
            &[USERS, ORDERS],
            "SELECT jj.id FROM (users JOIN orders USING (id)) AS jj",
            None,
        ),
    ]);
}

#[test]
fn sql_function_bodies_and_signature_types() {
    const ITEMS: &str = "CREATE TABLE order_items (order_id bigint, quantity int, price int)";
    const PAIR: &str = "CREATE TYPE semver_triple AS (major int, minor int)";
    let f = |args: &str, body: &str| {
        format!(
            "CREATE FUNCTION order_total({args}) RETURNS bigint LANGUAGE sql STABLE AS $$\n    {body}\n$$"
        )
    };
    let sum = "SELECT sum(quantity * price) FROM order_items WHERE order_items.order_id = order_total.order_id";
    run(&[
        (&[ITEMS], &f("order_id bigint", sum), None),
        // A parameter by its name alone, and by position.
        (
            &[ITEMS],
            &f(
                "oid bigint",
                "SELECT sum(price) FROM order_items WHERE order_id = oid",
            ),
            None,
        ),
        (
            &[ITEMS],
            &f(
                "bigint",
                "SELECT sum(price) FROM order_items WHERE order_id = $1",
            ),
            None,
        ),
        // The body's names must exist.
        (
            &[ITEMS],
            &f(
                "order_id bigint",
                "SELECT sum(price) FROM order_itmes WHERE order_id = $1",
            ),
            Some((MISSING, "relation `order_itmes` does not exist")),
        ),
        (
            &[ITEMS],
            &f("order_id bigint", "SELECT sum(pirce) FROM order_items"),
            Some((
                MISSING,
                "column `pirce` does not exist at f.sql; did you mean `price`",
            )),
        ),
        (
            &[ITEMS],
            &f("ordre_id bigint", sum),
            Some((MISSING, "column `order_total.order_id` does not exist")),
        ),
        (
            &[ITEMS],
            &f(
                "oid bigint",
                "UPDATE order_items SET quantity = 0 WHERE order_id = oid; DELETE FROM order_items WHERE pirce = oid; SELECT 1::bigint",
            ),
            Some((
                MISSING,
                "column `pirce` does not exist at f.sql; did you mean `price`",
            )),
        ),
        // Not analysed by the server: polymorphic arguments, a body with
        // other statements, its own settings, and after a migration turned
        // `check_function_bodies` off.
        (
            &[ITEMS],
            &f("x anyelement", "SELECT sum(pirce) FROM order_items"),
            None,
        ),
        (
            &[ITEMS],
            &f(
                "x bigint",
                "CREATE TABLE t (a int); SELECT sum(pirce) FROM order_items",
            ),
            None,
        ),
        (
            &[ITEMS],
            "CREATE FUNCTION order_total(x bigint) RETURNS bigint LANGUAGE sql SET search_path = app AS $$ SELECT sum(pirce) FROM order_items $$",
            None,
        ),
        (
            &[ITEMS, "SET check_function_bodies = false"],
            &f("x bigint", "SELECT sum(pirce) FROM order_items"),
            None,
        ),
        // A parameter of a composite type qualifies its fields.
        (
            &[USERS],
            "CREATE FUNCTION h(usr users) RETURNS text LANGUAGE sql AS $$ SELECT usr.email FROM users usrs WHERE usrs.id = usr.id $$",
            None,
        ),
        (
            &[USERS],
            "CREATE FUNCTION h(usr users) RETURNS text LANGUAGE sql AS $$ SELECT emial FROM users usrs WHERE usrs.id = usr.id $$",
            Some((MISSING, "column `emial` does not exist")),
        ),
        // PL/pgSQL bodies are not read.
        (
            &[ITEMS],
            "CREATE FUNCTION g() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT sum(pirce) FROM order_items); END $$",
            None,
        ),
        // The types a function takes and returns must exist.
        (
            &[PAIR],
            "CREATE FUNCTION to_triple(text) RETURNS semve_rtriple LANGUAGE sql AS $$ SELECT (1, 2)::semver_triple $$",
            Some((MISSING, "type `semve_rtriple` does not exist")),
        ),
        (
            &[PAIR],
            "CREATE FUNCTION from_triple(t semver_trple) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            Some((MISSING, "type `semver_trple` does not exist")),
        ),
        (
            &[PAIR],
            "CREATE FUNCTION t() RETURNS SETOF semver_triple LANGUAGE sql AS $$ SELECT (1, 2)::semver_triple $$",
            None,
        ),
    ]);
    // Reported where the name is in the statement.
    let mut m = model_of(&[ITEMS]);
    let p = m.replay(
        &f("order_id bigint", "SELECT sum(pirce) FROM order_items"),
        origin(9),
        &[],
        false,
    );
    assert_eq!(p.iter().map(|p| p.place()).collect::<Vec<_>>(), [(2, 16)]);
}

#[test]
fn references_beside_a_subquery_are_checked() {
    run(&[
        (
            &[USERS],
            "SELECT 1 FROM users WHERE emial IN (SELECT email FROM users)",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        (
            &[USERS],
            "DELETE FROM users WHERE org_di = 1 AND EXISTS (SELECT 1 FROM users u WHERE u.id = users.id)",
            Some((MISSING, "column `users.org_di` does not exist")),
        ),
        (
            &[USERS],
            "SELECT id, (SELECT count(*) FROM users u) FROM users WHERE org_id IN (SELECT org_id FROM users)",
            None,
        ),
        // The subquery's own references, in its own scope.
        (
            &[USERS],
            "SELECT 1 FROM users WHERE id IN (SELECT u.idd FROM users u)",
            Some((MISSING, "column `users.idd` does not exist")),
        ),
    ]);
}

#[test]
fn sql_bodies_with_output_arguments_are_not_read() {
    const ITEMS: &str = "CREATE TABLE order_items (order_id bigint, quantity int, price int)";
    run(&[
        (
            &[ITEMS],
            "CREATE FUNCTION f(a int, OUT total bigint) LANGUAGE sql AS $$ SELECT sum(pirce) FROM order_items $$",
            None,
        ),
        (
            &[ITEMS],
            "CREATE FUNCTION f(a int) RETURNS TABLE (total bigint) LANGUAGE sql AS $$ SELECT sum(pirce) FROM order_items $$",
            None,
        ),
        (
            &[ITEMS],
            "CREATE FUNCTION f(INOUT a int) LANGUAGE sql AS $$ SELECT sum(pirce)::int FROM order_items WHERE order_id = a $$",
            Some((MISSING, "column `pirce` does not exist")),
        ),
    ]);
}

#[test]
fn a_renamed_function_does_what_it_did() {
    const DDL: &str = "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE t (a int); END $$";
    run(&[
        (
            &[
                USERS,
                DDL,
                "ALTER FUNCTION mk() RENAME TO make_it",
                "SELECT make_it()",
            ],
            "CREATE INDEX ON users (emial)",
            None,
        ),
        (
            &[USERS, DDL, "ALTER FUNCTION mk() RENAME TO make_it"],
            "CREATE INDEX ON users (emial)",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
        // A harmless one stays harmless under its new name.
        (
            &[
                USERS,
                "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
                "ALTER FUNCTION one() RENAME TO uno",
                "SELECT uno()",
            ],
            "CREATE INDEX ON users (emial)",
            Some((MISSING, "column `users.emial` does not exist")),
        ),
    ]);
}

#[test]
fn a_query_casts_to_types_that_exist() {
    const MOOD: &str = "CREATE TYPE build_status AS ENUM ('ok', 'failed')";
    run(&[
        (&[MOOD], "SELECT 'ok'::build_status", None),
        (
            &[MOOD],
            "SELECT 'ok'::builds_tatus",
            Some((
                MISSING,
                "type `builds_tatus` does not exist at f.sql; did you mean `build_status`",
            )),
        ),
        (
            &[MOOD, USERS],
            "CREATE VIEW v AS SELECT id FROM users WHERE CAST(email AS build_stauts) = 'ok'",
            Some((MISSING, "type `build_stauts` does not exist")),
        ),
        (
            &[USERS],
            "SELECT id::intger FROM users",
            Some((MISSING, "type `intger` does not exist")),
        ),
        (
            &[USERS],
            "SELECT id::bigint, email::text, now()::timestamptz FROM users",
            None,
        ),
        // A type made elsewhere, close to none: external.
        (&[USERS], "SELECT email::citext FROM users", None),
        // A table's row type is a type.
        (&[USERS], "SELECT NULL::users", None),
    ]);
}
