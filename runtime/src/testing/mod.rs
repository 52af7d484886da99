//! Testing support (feature `testing`): a PostgreSQL server with no setup.

mod server;

pub use server::{LocalServer, Server, ServerError};
