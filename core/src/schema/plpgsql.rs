//! The one kind of `DO` block the model follows: plain SQL statements in
//! `BEGIN ... END` blocks, each one alone in a block guarded by an
//! exception handler that swallows the error, the idiom for "create it if
//! it is not there" (`BEGIN CREATE TYPE ...; EXCEPTION WHEN duplicate_object
//! THEN null; END;`). Anything else in a block (a variable, a condition, a
//! loop, dynamic SQL, a handler that does something) and the block is not
//! read here: the caller falls back to what it does with any `DO` block.

use crate::lex::{Token, TokenKind, tokenize};

/// What may stop a statement without stopping the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Nothing: it runs, or the migration fails.
    None,
    /// Only an error that says it is there already (`duplicate_object`,
    /// `duplicate_table`, `duplicate_column`, `duplicate_function`,
    /// `duplicate_schema`): it runs unless what it makes exists.
    Duplicate,
    /// Any error (`others`, or another condition): it may not have run.
    Any,
}

/// One statement of the block and its guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The statement's text.
    pub sql: String,
    /// What may stop it.
    pub guard: Guard,
}

/// The statements of the `DO` statement `sql`, when its body has the shape
/// above; `None` otherwise.
///
/// ```
/// use sqlstrata_core::schema::plpgsql::{steps, Guard};
///
/// let s = steps("DO $$ BEGIN CREATE TYPE mood AS ENUM ('ok'); EXCEPTION WHEN duplicate_object THEN null; END $$").unwrap();
/// assert_eq!(s[0].sql, "CREATE TYPE mood AS ENUM ('ok')");
/// assert_eq!(s[0].guard, Guard::Duplicate);
/// // In an `IF`: it may or may not run.
/// let s = steps("DO $$ BEGIN IF 1 = 1 THEN CREATE TABLE t (a int); END IF; END $$").unwrap();
/// assert_eq!(s[0].guard, Guard::Any);
/// // Dynamic SQL: not followed.
/// assert!(steps("DO $$ BEGIN EXECUTE 'CREATE TABLE t (a int)'; END $$").is_none());
/// ```
pub fn steps(sql: &str) -> Option<Vec<Step>> {
    let tokens = tokenize(sql).ok()?;
    let code: Vec<&Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
    let word = |t: &Token| (t.kind == TokenKind::Word).then(|| sql[t.start..t.end].to_lowercase());
    // `DO [LANGUAGE plpgsql] $$ body $$ [LANGUAGE plpgsql] [;]`
    if code.first().and_then(|t| word(t)).as_deref() != Some("do") {
        return None;
    }
    let mut body = None;
    let mut i = 1;
    while let Some(t) = code.get(i) {
        match t.kind {
            TokenKind::DollarString | TokenKind::String if body.is_none() => body = Some(*t),
            TokenKind::Word => {
                let w = word(t)?;
                let next = code.get(i + 1).and_then(|t| word(t));
                if w != "language" || next.as_deref() != Some("plpgsql") {
                    return None;
                }
                i += 1;
            }
            TokenKind::Punct(';') if i + 1 == code.len() => {}
            _ => return None,
        }
        i += 1;
    }
    let body = body?;
    let text = &sql[body.start..body.end];
    let inner = match body.kind {
        TokenKind::DollarString => {
            let tag_end = text[1..].find('$')? + 2;
            text.get(tag_end..text.len() - tag_end)?.to_string()
        }
        _ => text.get(1..text.len() - 1)?.replace("''", "'"),
    };
    let mut parser = Parser::new(&inner)?;
    let mut out = Vec::new();
    parser.block(Guard::None, &mut out)?;
    parser.eat(";");
    parser.at_end().then_some(out)
}

/// A cursor over a body's tokens.
struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Option<Parser<'a>> {
        let tokens = tokenize(text)
            .ok()?
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .collect();
        Some(Parser {
            text,
            tokens,
            at: 0,
        })
    }

    fn at_end(&self) -> bool {
        self.at >= self.tokens.len()
    }

    fn peek(&self, n: usize) -> Option<String> {
        let t = self.tokens.get(self.at + n)?;
        Some(self.text[t.start..t.end].to_lowercase())
    }

    fn eat(&mut self, what: &str) -> bool {
        if self.peek(0).as_deref() == Some(what) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `BEGIN item... [EXCEPTION handler...] END [;]`, its statements
    /// guarded by `outer` (and its own handler).
    fn block(&mut self, outer: Guard, out: &mut Vec<Step>) -> Option<()> {
        if !self.eat("begin") {
            return None;
        }
        let mut items: Vec<Step> = Vec::new();
        self.items(&["end", "exception"], Guard::None, &mut items)?;
        let guard = if self.eat("exception") {
            self.handlers()?
        } else {
            Guard::None
        };
        if !self.eat("end") {
            return None;
        }
        self.eat(";");
        // A handler undoes its whole block: followed only for a block of
        // one statement.
        if guard != Guard::None && items.len() != 1 {
            return None;
        }
        for mut s in items {
            s.guard = strongest([outer, guard, s.guard]);
            out.push(s);
        }
        Some(())
    }

    /// Statements, blocks and `IF`s up to one of the words `stop`, each
    /// guarded by `guard`.
    fn items(&mut self, stop: &[&str], guard: Guard, out: &mut Vec<Step>) -> Option<()> {
        loop {
            let next = self.peek(0)?;
            if stop.contains(&next.as_str()) {
                return Some(());
            }
            match next.as_str() {
                "begin" => self.block(guard, out)?,
                "if" => self.conditional(out)?,
                // A message, or an error that stops the migration: nothing
                // made either way.
                "raise" => {
                    self.skip_statement()?;
                }
                _ => out.push(Step {
                    sql: self.statement()?,
                    guard,
                }),
            }
        }
    }

    /// `IF condition THEN items [ELSIF condition THEN items]... [ELSE
    /// items] END IF;`: each statement in it may or may not run.
    fn conditional(&mut self, out: &mut Vec<Step>) -> Option<()> {
        if !self.eat("if") {
            return None;
        }
        loop {
            // The condition, not evaluated: up to THEN.
            let mut depth = 0i32;
            loop {
                let t = self.tokens.get(self.at)?;
                match t.kind {
                    TokenKind::Punct('(') => depth += 1,
                    TokenKind::Punct(')') => depth -= 1,
                    TokenKind::Punct(';') => return None,
                    TokenKind::Word if depth == 0 && self.peek(0).as_deref() == Some("then") => {
                        break;
                    }
                    _ => {}
                }
                self.at += 1;
            }
            self.at += 1;
            self.items(&["elsif", "elseif", "else", "end"], Guard::Any, out)?;
            match self.peek(0)?.as_str() {
                "elsif" | "elseif" => self.at += 1,
                "else" => {
                    self.at += 1;
                    self.items(&["end"], Guard::Any, out)?;
                    break;
                }
                _ => break,
            }
        }
        if !(self.eat("end") && self.eat("if") && self.eat(";")) {
            return None;
        }
        Some(())
    }

    /// `WHEN condition [OR condition]... THEN NULL; | RAISE NOTICE ...;`,
    /// one or more.
    fn handlers(&mut self) -> Option<Guard> {
        let mut guard = Guard::None;
        while self.eat("when") {
            loop {
                let condition = self.peek(0)?;
                self.at += 1;
                let g = match condition.as_str() {
                    "duplicate_object" | "duplicate_table" | "duplicate_column"
                    | "duplicate_function" | "duplicate_schema" => Guard::Duplicate,
                    _ => Guard::Any,
                };
                guard = strongest([guard, g]);
                if !self.eat("or") {
                    break;
                }
            }
            if !self.eat("then") {
                return None;
            }
            // What it does: nothing, or a notice.
            loop {
                match self.peek(0)?.as_str() {
                    "null" => {
                        self.at += 1;
                        if !self.eat(";") {
                            return None;
                        }
                    }
                    "raise" if self.peek(1).as_deref() == Some("notice") => {
                        self.statement()?;
                    }
                    _ => break,
                }
            }
        }
        (guard != Guard::None).then_some(guard)
    }

    /// Past the next `;` outside parentheses.
    fn skip_statement(&mut self) -> Option<()> {
        let mut depth = 0i32;
        while let Some(t) = self.tokens.get(self.at) {
            self.at += 1;
            match t.kind {
                TokenKind::Punct('(') => depth += 1,
                TokenKind::Punct(')') => depth -= 1,
                TokenKind::Punct(';') if depth == 0 => return Some(()),
                _ => {}
            }
        }
        None
    }

    /// One SQL statement up to its `;` (the lexer keeps strings and dollar
    /// quotes whole); `None` for PL/pgSQL's own statements.
    fn statement(&mut self) -> Option<String> {
        let first = self.peek(0)?;
        const PLPGSQL: &[&str] = &[
            "if", "loop", "for", "foreach", "while", "case", "execute", "perform", "return",
            "declare", "get", "exit", "continue", "call", "open", "fetch", "close", "move",
            "assert", "commit", "rollback", "select", "insert", "update", "delete", "with",
        ];
        if PLPGSQL.contains(&first.as_str()) {
            // `RAISE NOTICE` is read by the handler; a RAISE elsewhere
            // stops the block on purpose: not followed.
            if first != "raise" || self.peek(1).as_deref() != Some("notice") {
                return None;
            }
        }
        let start = self.tokens.get(self.at)?.start;
        let mut depth = 0i32;
        while let Some(t) = self.tokens.get(self.at) {
            match t.kind {
                TokenKind::Punct('(') => depth += 1,
                TokenKind::Punct(')') => depth -= 1,
                TokenKind::Punct(':') if self.text[t.end..].starts_with('=') => return None,
                TokenKind::Punct(';') if depth == 0 => {
                    let sql = self.text[start..t.start].trim().to_string();
                    self.at += 1;
                    return Some(sql);
                }
                _ => {}
            }
            self.at += 1;
        }
        None
    }
}

fn strongest<const N: usize>(guards: [Guard; N]) -> Guard {
    if guards.contains(&Guard::Any) {
        Guard::Any
    } else if guards.contains(&Guard::Duplicate) {
        Guard::Duplicate
    } else {
        Guard::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idioms_and_what_is_not_followed() {
        let g = |sql: &str| {
            steps(sql).map(|s| s.into_iter().map(|s| (s.sql, s.guard)).collect::<Vec<_>>())
        };
        assert_eq!(
            g("DO $$ BEGIN CREATE TABLE a (x int); CREATE INDEX i ON a (x); END $$;"),
            Some(vec![
                ("CREATE TABLE a (x int)".into(), Guard::None),
                ("CREATE INDEX i ON a (x)".into(), Guard::None)
            ])
        );
        assert_eq!(
            g(
                "DO $$ BEGIN BEGIN CREATE TYPE t AS ENUM ('a;b'); EXCEPTION WHEN duplicate_object THEN null; END; END; $$"
            ),
            Some(vec![(
                "CREATE TYPE t AS ENUM ('a;b')".into(),
                Guard::Duplicate
            )])
        );
        assert_eq!(
            g(
                "DO LANGUAGE plpgsql $x$ BEGIN ALTER TABLE a ADD COLUMN y int; EXCEPTION WHEN others THEN RAISE NOTICE 'skip %', 1; END $x$"
            ),
            Some(vec![("ALTER TABLE a ADD COLUMN y int".into(), Guard::Any)])
        );
        assert_eq!(
            g(
                "DO 'BEGIN CREATE TYPE t AS ENUM (''a''); EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END'"
            ),
            Some(vec![(
                "CREATE TYPE t AS ENUM ('a')".into(),
                Guard::Duplicate
            )])
        );
        for not in [
            "DO $$ DECLARE n int; BEGIN CREATE TABLE a (x int); END $$",
            "DO $$ BEGIN EXECUTE 'CREATE TABLE a (x int)'; END $$",
            "DO $$ BEGIN PERFORM f(); END $$",
            "DO $$ BEGIN CREATE TABLE a (x int); CREATE TABLE b (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$",
            "DO $$ BEGIN CREATE TABLE a (x int); EXCEPTION WHEN others THEN RAISE EXCEPTION 'no'; END $$",
            "DO $$ BEGIN RAISE 'no' END $$",
            "DO $$ BEGIN n := 1; END $$",
            "DO $$ BEGIN IF x THEN n := 1; END IF; END $$",
            "DO $$ BEGIN IF x THEN CREATE TABLE a (x int); END $$",
            "DO $$ BEGIN INSERT INTO a VALUES (1); END $$",
            "DO LANGUAGE plperl $$ 1 $$",
            "DO $$ BEGIN CREATE TABLE a (x int) $$",
            "SELECT 1",
        ] {
            assert_eq!(g(not), None, "{not}");
        }
    }
}
