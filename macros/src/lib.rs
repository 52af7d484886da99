//! The `migrations!()` macro of sqlstrata. Use it through the `sqlstrata`
//! crate, which re-exports it.
//!
//! A thin shim: it resolves the folder against the calling crate's
//! `CARGO_MANIFEST_DIR`, asks `sqlstrata-core` to read and check it, turns
//! its diagnostics into compile errors and warnings, and emits the embedded
//! set as static data naming only `::sqlstrata` paths.

use std::path::PathBuf;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use sqlstrata_core::embedded::{ToEmbed, encode};
use sqlstrata_core::{
    Bounds, Diagnostic, Folder, Migration, RunSettings, applied_digest, read_folder_cached,
};
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

struct Args {
    path: String,
    span: Span,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Args {
                path: "migrations".to_string(),
                span: Span::call_site(),
            });
        }
        let lit: LitStr = input.parse()?;
        let _ = input.parse::<Option<syn::Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error("expected one string literal: the migrations folder"));
        }
        Ok(Args {
            path: lit.value(),
            span: lit.span(),
        })
    }
}

/// Embeds a folder of migrations, checked at compile time. See the
/// `sqlstrata` crate's documentation.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    let args = match syn::parse::<Args>(input) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    expand(&args).into()
}

fn expand(args: &Args) -> TokenStream2 {
    let root = match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            return syn::Error::new(
                args.span,
                "CARGO_MANIFEST_DIR is not set; is this built by cargo?",
            )
            .to_compile_error();
        }
    };
    let dir = root.join(&args.path);
    let mut folder = read_folder_cached(&dir, &args.path);
    for d in folder.diagnostics.iter_mut().filter(|d| d.rule == "folder") {
        d.help = Some(
            "the path is relative to the directory of the crate's Cargo.toml (CARGO_MANIFEST_DIR)"
                .into(),
        );
    }
    let tracked = track(&folder);
    let warnings = folder
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| warning(d, args.span));
    if folder.has_errors() {
        let errors = folder
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| syn::Error::new(args.span, d.to_string()).to_compile_error());
        return quote! {{
            #tracked
            #(#errors)*
            ::sqlstrata::Migrations::__static(&[], [0; 32], ::sqlstrata::__private::RunSettings {
                bounds: ::sqlstrata::__private::Bounds { lock_timeout: None, statement_timeout: None },
                lock_retry_budget: None,
            })
        }};
    }
    // Each file's text once, by `include_str!` (which also makes cargo
    // rebuild when it changes), the migrations as a compact table of where
    // their statements are in it (see `sqlstrata_model::embedded`): a few
    // literals for the compiler instead of thousands of strings.
    let settings = run_settings(&folder.run);
    let digest = applied_digest(
        &folder
            .migrations
            .iter()
            .map(|m| m.migration.clone())
            .collect::<Vec<Migration>>(),
    );
    let paths: Vec<String> = folder
        .migrations
        .iter()
        .map(|m| dir.join(m.migration.file_name()).display().to_string())
        .collect();
    let lengths = folder.migrations.iter().map(|m| m.length);
    let embed: Vec<ToEmbed<'_>> = folder
        .migrations
        .iter()
        .enumerate()
        .map(|(file, m)| ToEmbed {
            migration: &m.migration,
            file,
            spans: &m.spans,
        })
        .collect();
    let encoded = encode(&embed);
    let data = syn::LitByteStr::new(&encoded.data, Span::call_site());
    let strings = encoded.strings;
    // The versioned migrations come first (the repeatables after them).
    let count = folder
        .migrations
        .iter()
        .filter(|m| !m.migration.is_repeatable())
        .count();
    // Readable at compile time: `#[sqlstrata::test(at = V)]` checks V.
    let versions = folder
        .migrations
        .iter()
        .filter(|m| !m.migration.is_repeatable())
        .map(|m| proc_macro2::Literal::i64_suffixed(m.migration.version()));
    let config = folder
        .config
        .as_ref()
        .and_then(|p| p.to_str())
        .map(|p| quote! { const _: &[u8] = include_bytes!(#p); });
    quote! {{
        #config
        #(#warnings)*
        const FILES: &[&str] = &[#(include_str!(#paths)),*];
        const _: () = ::sqlstrata::__private::assert_lengths(FILES, &[#(#lengths),*]);
        static DECODED: ::sqlstrata::__private::OnceLock<::sqlstrata::__private::Vec<::sqlstrata::Migration>> =
            ::sqlstrata::__private::OnceLock::new();
        ::sqlstrata::Migrations::__embedded(
            FILES, #strings, #data, #count, &[#(#versions),*], [#(#digest),*], #settings, &DECODED,
        )
    }}
}

fn duration(d: Option<std::time::Duration>) -> TokenStream2 {
    match d {
        Some(d) => {
            let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
            quote! { ::core::option::Option::Some(::core::time::Duration::new(#secs, #nanos)) }
        }
        None => quote! { ::core::option::Option::None },
    }
}

fn bounds(b: &Bounds) -> TokenStream2 {
    let (lock, statement) = (duration(b.lock_timeout), duration(b.statement_timeout));
    quote! { ::sqlstrata::__private::Bounds { lock_timeout: #lock, statement_timeout: #statement } }
}

fn run_settings(r: &RunSettings) -> TokenStream2 {
    let b = bounds(&r.bounds);
    let budget = duration(r.lock_retry_budget);
    quote! { ::sqlstrata::__private::RunSettings { bounds: #b, lock_retry_budget: #budget } }
}

/// `include_bytes!` of every file read makes cargo rebuild the crate when
/// one of them changes or disappears (those with errors: the others are
/// included as text).
fn track(folder: &Folder) -> TokenStream2 {
    let files = folder
        .files
        .iter()
        .chain(folder.config.as_ref())
        .filter_map(|p| p.to_str())
        .map(|p| quote! { const _: &[u8] = include_bytes!(#p); });
    quote! { #(#files)* }
}

/// A real compiler warning on stable Rust: the use of a deprecated item
/// whose note is the diagnostic.
fn warning(d: &Diagnostic, span: Span) -> TokenStream2 {
    let note = d.to_string();
    let name = syn::Ident::new("sqlstrata_migration_warning", span);
    quote! {
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #name: () = ();
            #name
        };
    }
}

/// `#[sqlstrata::test]`: a test that gets a fresh, migrated database. See
/// the `sqlstrata` crate's `testing` module.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match test_expand(args.into(), item.into()) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// What `#[sqlstrata::test(...)]` was given.
struct TestArgs {
    set: syn::Path,
    /// `at = V`: a database at version V.
    at: Option<syn::Expr>,
    fixtures: Vec<LitStr>,
    fixtures_dir: Option<LitStr>,
}

fn test_args(args: TokenStream2) -> syn::Result<TestArgs> {
    use syn::punctuated::Punctuated;
    let mut out = TestArgs {
        set: syn::parse_quote!(crate::MIGRATIONS),
        at: None,
        fixtures: Vec::new(),
        fixtures_dir: None,
    };
    if args.is_empty() {
        return Ok(out);
    }
    let metas = syn::parse::Parser::parse2(
        Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        args,
    )?;
    for meta in metas {
        match meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("migrations") => match nv.value {
                syn::Expr::Path(p) => out.set = p.path,
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "expected a path to a `static` migration set",
                    ));
                }
            },
            syn::Meta::NameValue(nv) if nv.path.is_ident("at") => out.at = Some(nv.value),
            syn::Meta::NameValue(nv) if nv.path.is_ident("fixtures_dir") => match nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(dir),
                    ..
                }) => out.fixtures_dir = Some(dir),
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "expected a folder, relative to the crate's Cargo.toml: `fixtures_dir = \"tests/fixtures\"`",
                    ));
                }
            },
            syn::Meta::List(list) if list.path.is_ident("fixtures") => {
                let names =
                    list.parse_args_with(Punctuated::<LitStr, syn::Token![,]>::parse_terminated)?;
                out.fixtures.extend(names);
            }
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "expected `migrations = path::TO::SET`, `at = VERSION`, `fixtures(\"name\", ...)` or `fixtures_dir = \"folder\"`",
                ));
            }
        }
    }
    Ok(out)
}

/// Each fixture's file read and checked with PostgreSQL's grammar, as
/// `(shown path, include_str!(file), statements' (start, end, line))`: a
/// missing file or bad SQL is a compile error at the fixture's name.
fn fixtures(args: &TestArgs) -> syn::Result<Vec<TokenStream2>> {
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return Ok(Vec::new());
    };
    let dir_text = args
        .fixtures_dir
        .as_ref()
        .map_or_else(|| "tests/fixtures".to_string(), LitStr::value);
    let mut out = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut fail = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for name in &args.fixtures {
        let shown = format!("{}/{}.sql", dir_text.trim_end_matches('/'), name.value());
        let path = root.join(&shown);
        let Ok(sql) = std::fs::read_to_string(&path) else {
            fail(syn::Error::new(
                name.span(),
                format!(
                    "fixture file `{shown}` not found (fixtures are read from `{dir_text}` relative to the crate's Cargo.toml; set another folder with `fixtures_dir = \"...\"`)"
                ),
            ));
            continue;
        };
        let (_, problems) = sqlstrata_core::migration::check_script(&shown, &sql);
        for d in problems {
            fail(syn::Error::new(name.span(), d.to_string()));
        }
        let file = path.to_string_lossy().into_owned();
        // Where each statement is, so that a failing one is named by its line.
        let statements = sqlstrata_core::split::split_pieces(&sql)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let start = first_token(&sql, p.start, p.end);
                let line = sql[..start].matches('\n').count() as u32 + 1;
                let end = p.end;
                quote! { (#start, #end, #line) }
            });
        out.push(quote! { (#shown, include_str!(#file), &[#(#statements),*]) });
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Where the first token of `sql[start..end]` is: past blanks, `--`
/// comments and `/* */` comments (a statement's line is its first token's).
fn first_token(sql: &str, mut start: usize, end: usize) -> usize {
    let bytes = sql.as_bytes();
    while start < end {
        match bytes[start] {
            b' ' | b'\t' | b'\r' | b'\n' => start += 1,
            b'-' if bytes.get(start + 1) == Some(&b'-') => {
                start = sql[start..end].find('\n').map_or(end, |i| start + i + 1);
            }
            b'/' if bytes.get(start + 1) == Some(&b'*') => {
                start = sql[start + 2..end]
                    .find("*/")
                    .map_or(end, |i| start + 2 + i + 2);
            }
            _ => break,
        }
    }
    start.min(end)
}

fn test_expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args = test_args(args)?;
    let set = &args.set;
    let fixtures = fixtures(&args)?;
    let mut function: syn::ItemFn = syn::parse2(item)?;
    let is_async = function.sig.asyncness.take().is_some();
    let inputs = std::mem::take(&mut function.sig.inputs);
    if inputs.len() > 1 {
        return Err(syn::Error::new_spanned(
            &inputs,
            "a #[sqlstrata::test] takes at most one parameter: a TestDb or a Client",
        ));
    }
    let db = syn::Ident::new("__sqlstrata_db", Span::mixed_site());
    let keep = syn::Ident::new("__sqlstrata_keep", Span::mixed_site());
    let (pat, ty) = match inputs.first() {
        None => (None, None),
        Some(syn::FnArg::Typed(pat)) => (Some(pat.pat.clone()), Some(pat.ty.clone())),
        Some(other) => return Err(syn::Error::new_spanned(other, "expected a typed parameter")),
    };
    let fail = quote! { |e| panic!("sqlstrata::test: {e}") };
    let (new_sync, new_async) = match &args.at {
        Some(at) => (
            quote! { ::sqlstrata::testing::TestDb::at(&#set, #at) },
            quote! { ::sqlstrata::testing::TestDb::at_async(&#set, #at) },
        ),
        None => (
            quote! { ::sqlstrata::testing::TestDb::new(&#set) },
            quote! { ::sqlstrata::testing::TestDb::new_async(&#set) },
        ),
    };
    let (create, apply, bind) = match (&pat, &ty, is_async) {
        (None, _, _) if fixtures.is_empty() && args.at.is_none() => {
            (quote! {}, quote! {}, quote! {})
        }
        (_, _, false) => (
            quote! { let #db = #new_sync.unwrap_or_else(#fail); },
            quote! { #( #db.__fixture_statements #fixtures .unwrap_or_else(#fail); )* },
            match (&pat, &ty) {
                (Some(pat), Some(ty)) => quote! {
                    let (#pat, #keep): (#ty, ::core::option::Option<::sqlstrata::testing::TestDb>) =
                        <#ty as ::sqlstrata::testing::TestArg>::from_test_db(#db).unwrap_or_else(#fail);
                },
                _ => quote! { let #keep = #db; },
            },
        ),
        (_, _, true) => (
            quote! { let #db = #new_async.await.unwrap_or_else(#fail); },
            quote! { #( #db.__fixture_statements_async #fixtures .await.unwrap_or_else(#fail); )* },
            match (&pat, &ty) {
                (Some(pat), Some(ty)) => quote! {
                    let (#pat, #keep): (#ty, ::core::option::Option<::sqlstrata::testing::TestDb>) =
                        <#ty as ::sqlstrata::testing::AsyncTestArg>::from_test_db(#db).await.unwrap_or_else(#fail);
                },
                _ => quote! { let #keep = #db; },
            },
        ),
    };
    let body = &function.block;
    let new_body: syn::Block = if is_async {
        syn::parse_quote! {{
            ::sqlstrata::__private::tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("sqlstrata::test: cannot build a tokio runtime")
                .block_on(async move {
                    #create
                    #apply
                    #bind
                    #body
                })
        }}
    } else {
        syn::parse_quote! {{
            #create
            #apply
            #bind
            #body
        }}
    };
    *function.block = new_body;
    // The parameter's type is checked in every build, not only under
    // `cargo test` where the test function exists.
    let check = match (&ty, is_async) {
        (Some(ty), false) => quote! {
            const _: fn() = || {
                fn parameter<T: ::sqlstrata::testing::TestArg>() {}
                parameter::<#ty>();
            };
        },
        (Some(ty), true) => quote! {
            const _: fn() = || {
                fn parameter<T: ::sqlstrata::testing::AsyncTestArg>() {}
                parameter::<#ty>();
            };
        },
        (None, _) => quote! {},
    };
    // A version the set does not have is a compile error naming those it has.
    let check_at = match &args.at {
        Some(at) => {
            quote::quote_spanned! { syn::spanned::Spanned::span(at)=> const _: () = #set.__assert_version(#at); }
        }
        None => quote! {},
    };
    let attrs = &function.attrs;
    let vis = &function.vis;
    let sig = &function.sig;
    let block = &function.block;
    Ok(quote! {
        #check
        #check_at
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis #sig #block
    })
}
