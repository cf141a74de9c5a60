#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust) and MariaDB (127.0.0.1:3306, root
# without password) answer, starting or installing them when they do not. The database tests
# need both; without them they fail, never skip.
set -euo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    if up "$port"; then return 0; fi
    sleep 1
  done
  echo "$name did not come up on 127.0.0.1:$port" >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! up 5432; then
  echo "PostgreSQL is down on 127.0.0.1:5432: starting it"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 5432 PostgreSQL
fi

if ! up 3306; then
  echo "MariaDB is down on 127.0.0.1:3306: starting it"
  if [ ! -x /usr/sbin/mariadbd ]; then
    as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server
  fi
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for 3306 MariaDB
fi
echo "databases: PostgreSQL 127.0.0.1:5432 and MariaDB 127.0.0.1:3306 are up"
