#!/usr/bin/env bash
# make bench: PostgreSQL answering on 127.0.0.1:5432 (user postgres, trust auth) and PostGIS installed for
# its version (B2's baseline; the bench enables it in its own database only). As root, starts the local
# cluster and installs the Debian package when missing; otherwise says what to run.
set -euo pipefail
HOST=127.0.0.1
PORT=5432

if ! pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
    echo "bench: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
  fi
  pg_isready -q -h "$HOST" -p "$PORT" || { echo "bench: PostgreSQL is not running on $HOST:$PORT" >&2; exit 1; }
fi

MAJOR=$(( $(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -Atc "SHOW server_version_num") / 10000 ))
if [ ! -f "/usr/share/postgresql/$MAJOR/extension/postgis.control" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bench: installing PostGIS for PostgreSQL $MAJOR (postgresql-$MAJOR-postgis-3)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "postgresql-$MAJOR-postgis-3" >/dev/null
  else
    echo "bench: PostGIS is missing for PostgreSQL $MAJOR: sudo apt-get install -y postgresql-$MAJOR-postgis-3" >&2
    exit 1
  fi
fi
