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
use sqlstrata_core::{Diagnostic, Folder, SourceMigration, SourceStatement, read_folder};
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
    let mut folder = read_folder(&dir, &args.path);
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
            ::sqlstrata::Migrations::__static(&[])
        }};
    }
    // Each array is its own `const` item: a `&[...]` of a type with a
    // destructor is extended to `'static` only at the top of a const.
    let mut sections = Vec::new();
    let migrations: Vec<TokenStream2> = folder
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| migration(i, m, &mut sections))
        .collect();
    quote! {{
        #tracked
        #(#warnings)*
        #(#sections)*
        const MIGRATIONS: &[::sqlstrata::Migration] = &[#(#migrations),*];
        ::sqlstrata::Migrations::__static(MIGRATIONS)
    }}
}

/// `include_bytes!` of every file read makes cargo rebuild the crate when
/// one of them changes or disappears.
fn track(folder: &Folder) -> TokenStream2 {
    let files = folder
        .files
        .iter()
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

/// Emits `const NAME: &[Statement] = &[...];` into `sections`, returns `NAME`.
fn statements(
    name: String,
    list: &[SourceStatement],
    sections: &mut Vec<TokenStream2>,
) -> TokenStream2 {
    let items = list.iter().map(|s| {
        let sql = &s.sql;
        let line = u32::try_from(s.line).unwrap_or(u32::MAX);
        quote! { ::sqlstrata::Statement::__static(#sql, #line) }
    });
    let ident = syn::Ident::new(&name, Span::call_site());
    sections.push(quote! { const #ident: &[::sqlstrata::Statement] = &[#(#items),*]; });
    quote! { #ident }
}

fn migration(index: usize, m: &SourceMigration, sections: &mut Vec<TokenStream2>) -> TokenStream2 {
    let version = m.version;
    let name = &m.name;
    let file_name = &m.file_name;
    let description = match &m.description {
        Some(d) => quote! { ::core::option::Option::Some(#d) },
        None => quote! { ::core::option::Option::None },
    };
    let up = statements(format!("UP_{index}"), &m.up, sections);
    let down = match &m.down {
        Some(d) => {
            let d = statements(format!("DOWN_{index}"), d, sections);
            quote! { ::core::option::Option::Some(#d) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let checksum = m.checksum.iter();
    let no_transaction = m.no_transaction;
    quote! {
        ::sqlstrata::Migration::__static(
            #version, #name, #file_name, #description, #up, #down,
            [#(#checksum),*], #no_transaction,
        )
    }
}
