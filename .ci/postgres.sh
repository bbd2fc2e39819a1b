# shellcheck shell=bash
# Starts a throwaway PostgreSQL for the audit-log tests and exports
# SAFETWEET_TEST_POSTGRES_URL, and SAFETWEET_TEST_POSTGRES_CA: the CA of the
# server's TLS certificate (generated with openssl; TLS tests connect with
# sslmode=verify-full&sslrootcert=$SAFETWEET_TEST_POSTGRES_CA).
#
#   source .ci/postgres.sh     # in CI (.ci/run), before `cargo test`
#   bash .ci/postgres.sh       # by hand: prints the URL and how to stop the server
#
# What it does: installs PostgreSQL from Debian packages if no server binaries are
# found (apt-get update; apt-get install -y postgresql), initdb's a fresh data
# directory under a new temp dir, starts the server as the `postgres` user (or as
# the current user when not root) listening on 127.0.0.1 only, at a free port,
# with its socket in the temp dir, and creates the database `safetweet_test`.
# Authentication is `trust` for 127.0.0.1: this server is for tests only.
# Stop it (and remove its temp dir) with `safetweet_postgres_stop` (defined here) or
# `pg_ctl -D "$SAFETWEET_PG_DATA" stop`.
#
# Safe to source: it never calls `exit` and never changes the caller's shell
# options; on failure it prints why and returns 1.

_safetweet_pg_main() {
    local bindir="" candidate
    for candidate in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
        if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            bindir="$candidate"
        fi
    done
    if [ -z "$bindir" ]; then
        echo "postgres.sh: PostgreSQL server binaries not found; installing the Debian package" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq >&2 || { echo "postgres.sh: apt-get update failed" >&2; return 1; }
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2 \
            || { echo "postgres.sh: apt-get install postgresql failed" >&2; return 1; }
        for candidate in /usr/lib/postgresql/*/bin; do
            [ -x "$candidate/initdb" ] && bindir="$candidate"
        done
        [ -n "$bindir" ] || { echo "postgres.sh: no initdb after installing postgresql" >&2; return 1; }
    fi

    # The server refuses to run as root: run it as `postgres` when we are root.
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres \
            || { echo "postgres.sh: cannot create the postgres user" >&2; return 1; }
        if command -v runuser >/dev/null 2>&1; then
            run=(runuser -u postgres --)
        else
            run=(su postgres -s /bin/sh -c '"$0" "$@"')
        fi
    fi

    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/safetweet-pg.XXXXXX")" || return 1
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    "${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || "${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { echo "postgres.sh: initdb failed, see $dir/initdb.log" >&2; cat "$dir/initdb.log" >&2; return 1; }

    # TLS: a throwaway CA and a server certificate for 127.0.0.1 / localhost,
    # so the tests can connect with sslmode=verify-full (plain connections
    # keep working for the other tests).
    local tls="-c ssl=off"
    if command -v openssl >/dev/null 2>&1 \
        && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=SafeTweet test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1 \
        && openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 \
        && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext" \
        && openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
            -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1; then
        chmod 600 "$dir/server.key" "$dir/ca.key"
        [ "$(id -u)" -eq 0 ] && chown postgres "$dir/server.key" "$dir/server.crt"
        tls="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    else
        echo "postgres.sh: openssl failed; the server runs without TLS" >&2
    fi

    # A free port: try a few random ones; pg_ctl fails fast when one is taken.
    local port="" try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        candidate=$((20000 + (RANDOM % 20000)))
        if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            continue # something listens there
        fi
        if "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $candidate -k $dir -c fsync=on $tls" start >/dev/null 2>&1; then
            port="$candidate"
            break
        fi
    done
    if [ -z "$port" ]; then
        echo "postgres.sh: the server did not start, see $dir/server.log" >&2
        tail -n 20 "$dir/server.log" >&2 2>/dev/null
        return 1
    fi

    "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE safetweet_test" >/dev/null \
        || { echo "postgres.sh: CREATE DATABASE failed" >&2; return 1; }

    export SAFETWEET_PG_DATA="$dir/data"
    export SAFETWEET_PG_BINDIR="$bindir"
    export SAFETWEET_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/safetweet_test"
    if [ "$tls" != "-c ssl=off" ]; then
        export SAFETWEET_TEST_POSTGRES_CA="$dir/ca.crt"
        echo "export SAFETWEET_TEST_POSTGRES_CA=$SAFETWEET_TEST_POSTGRES_CA"
    fi
    echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)" >&2
    echo "export SAFETWEET_TEST_POSTGRES_URL=$SAFETWEET_TEST_POSTGRES_URL"
    echo "# stop: ${run[*]} $bindir/pg_ctl -D $dir/data stop -m fast"
}

safetweet_postgres_stop() {
    [ -n "${SAFETWEET_PG_DATA:-}" ] || return 0
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$SAFETWEET_PG_BINDIR/pg_ctl" -D "$SAFETWEET_PG_DATA" stop -m fast >/dev/null
    else
        "$SAFETWEET_PG_BINDIR/pg_ctl" -D "$SAFETWEET_PG_DATA" stop -m fast >/dev/null
    fi
    local dir
    dir="$(dirname "$SAFETWEET_PG_DATA")"
    case "$dir" in
        */safetweet-pg.*) rm -rf "$dir" ;;
    esac
    unset SAFETWEET_PG_DATA SAFETWEET_TEST_POSTGRES_URL SAFETWEET_TEST_POSTGRES_CA
}

_safetweet_pg_main
