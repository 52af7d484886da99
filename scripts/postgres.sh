# Sourced by scripts/test and scripts/demo: makes sure PostgreSQL's server
# binaries are here (or DATABASE_URL is set), installing them with apt-get
# when we are root on Debian/Ubuntu.
find_initdb() {
    command -v initdb 2>/dev/null && return 0
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        echo "$(pg_config --bindir)/initdb"; return 0
    fi
    ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 | grep . && return 0
    return 1
}

ensure_postgres() {
    if [ -n "${DATABASE_URL:-}" ] || find_initdb >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "PostgreSQL not found: installing it (apt-get install -y postgresql)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "PostgreSQL not found. Install it (Debian/Ubuntu: sudo apt-get install -y postgresql)" >&2
        echo "or set DATABASE_URL to a server where the user may create databases." >&2
        exit 1
    fi
}

# PgBouncer, for the test that runs migrations through it in transaction
# pooling mode.
# The schema page's test (cli/tests/schema_page.rs) opens the page in
# Debian's Chromium, headless.
ensure_chromium() {
    if [ -n "${SQLSTRATA_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 \
        || command -v chromium-browser >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Chromium not found: installing it (apt-get install -y chromium)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium not found. Install it (Debian/Ubuntu: sudo apt-get install -y chromium)" >&2
        exit 1
    fi
}

ensure_pgbouncer() {
    if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "PgBouncer not found: installing it (apt-get install -y pgbouncer)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
    else
        echo "PgBouncer not found. Install it (Debian/Ubuntu: sudo apt-get install -y pgbouncer)" >&2
        exit 1
    fi
}
