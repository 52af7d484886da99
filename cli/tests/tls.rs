//! TLS through `sslmode` with rustls, against a real PostgreSQL started with
//! `ssl=on` and a certificate for `localhost` signed by a throwaway CA.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlstrata::testing::{LocalServer, Server};
use sqlstrata_cli::config::resolve;
use sqlstrata_cli::connect::connect;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (installed with PostgreSQL)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed CA: `{name}.key` and `{name}.crt` in `dir`.
fn ca(dir: &Path, name: &str, subject: &str) {
    let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &crt,
            "-subj", subject, "-days", "2",
        ],
    );
}

/// A CA and a server certificate for `localhost`, signed by it.
fn certificates(dir: &Path) {
    ca(dir, "ca", "/CN=sqlstrata test CA");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(dir.join("ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext",
        ],
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn refused(connection: &sqlstrata_cli::config::Connection) -> String {
    match connect(connection) {
        Ok(_) => panic!("connected, but must be refused"),
        Err(e) => e.to_string(),
    }
}

fn uses_tls(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmode_require_verify_ca_and_verify_full() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let port = free_port();
    let server = Server::start_local(&LocalServer {
        settings: vec![("ssl".into(), "on".into())],
        files: vec![
            (
                "server.crt".into(),
                std::fs::read(dir.join("server.crt")).unwrap(),
            ),
            (
                "server.key".into(),
                std::fs::read(dir.join("server.key")).unwrap(),
            ),
        ],
        port,
        ..LocalServer::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.port(), port);
    let none = |_: &str| None;
    // A connection to `host` in `mode`, trusting the CA certificate `root`.
    let trusting = |root: &str, host: &str, mode: &str| {
        resolve(Some(&format!("host={host} port={port} user=postgres password=hunter2 dbname=postgres sslmode={mode} sslrootcert={}", dir.join(root).display())), &none, &dir).unwrap()
    };
    let at = |host: &str, mode: &str| trusting("ca.crt", host, mode);

    // require: encrypted, the certificate not checked.
    assert!(uses_tls(&mut connect(&at("127.0.0.1", "require")).unwrap()));
    // verify-full: the CA and the host name both check out.
    assert!(uses_tls(
        &mut connect(&at("localhost", "verify-full")).unwrap()
    ));
    // verify-full refuses a host name the certificate does not carry.
    let err = refused(&at("127.0.0.1", "verify-full"));
    assert!(err.contains("certificate not valid for name"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // verify-ca checks the chain only.
    assert!(uses_tls(
        &mut connect(&at("127.0.0.1", "verify-ca")).unwrap()
    ));
    // verify-ca refuses a chain that another CA signed, whatever the name.
    ca(&dir, "other", "/CN=another CA");
    let stranger = |host: &str, mode: &str| trusting("other.crt", host, mode);
    for (host, mode) in [("127.0.0.1", "verify-ca"), ("localhost", "verify-full")] {
        let err = refused(&stranger(host, mode));
        assert!(
            err.contains("UnknownIssuer") || err.contains("unknown issuer"),
            "{mode}: {err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
    // require with a root certificate checks the chain, as libpq does...
    let err = refused(&stranger("127.0.0.1", "require"));
    assert!(
        err.contains("UnknownIssuer") || err.contains("unknown issuer"),
        "{err}"
    );
    // ...and without one it does not: that is what require means.
    let plain = resolve(
        Some(&format!(
            "host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=require"
        )),
        &none,
        &dir,
    )
    .unwrap();
    assert!(uses_tls(&mut connect(&plain).unwrap()));
    // verify-full without our CA: the public roots do not know it.
    let public = resolve(
        Some(&format!(
            "host=localhost port={port} user=postgres dbname=postgres sslmode=verify-full"
        )),
        &none,
        &dir,
    )
    .unwrap();
    let err = refused(&public);
    assert!(
        err.contains("UnknownIssuer") || err.contains("unknown issuer"),
        "{err}"
    );
    // PGSSLMODE and PGSSLROOTCERT are defaults under the string, as in libpq.
    let root = dir.join("ca.crt").display().to_string();
    let env = |k: &str| match k {
        "PGSSLMODE" => Some("verify-full".to_string()),
        "PGSSLROOTCERT" => Some(root.clone()),
        _ => None,
    };
    let from_env = |host: &str| {
        resolve(
            Some(&format!(
                "host={host} port={port} user=postgres dbname=postgres"
            )),
            &env,
            &dir,
        )
        .unwrap()
    };
    assert!(uses_tls(&mut connect(&from_env("localhost")).unwrap()));
    let err = refused(&from_env("127.0.0.1"));
    assert!(err.contains("certificate not valid for name"), "{err}");
    // disable: plain.
    assert!(!uses_tls(
        &mut connect(&at("127.0.0.1", "disable")).unwrap()
    ));

    // The binary, end to end (an empty folder: no migrations).
    std::fs::create_dir_all(dir.join("none")).unwrap();
    let url = format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        dir.join("ca.crt").display()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_sqlstrata"))
        .current_dir(&dir)
        .args(["--dir", "none", "--database-url", &url, "status", "--json"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "{\"migrations\":[],\"totals\":{\"applied\":0,\"pending\":0,\"modified\":0,\"missing\":0,\"failed\":0,\"interrupted\":0,\"running\":0,\"changed\":0}}"
    );
}
