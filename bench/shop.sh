# What the benchmark scripts share (sourced, not run): the binary to measure, the seeded shop
# they measure it on, and a server over that shop.

# use_binary PATH: sets $bin to PATH, or builds this checkout's release binary when PATH is empty.
use_binary() {
  bin=$1
  if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=target/release/shopwave
  fi
}

# use_shop BACKEND SCALE [NAME]: sets $data (the shop's folder under bench-data/) and, on
# PostgreSQL, $db (its database, created when missing), and exports what `shopwave` reads to find
# them. NAME keeps a second shop of the same size apart (two builds each seeding their own).
use_shop() {
  local backend=$1 scale=$2 name=${3:+-$3}
  data=bench-data/$backend-$scale$name
  mkdir -p "$data"
  export SHOPWAVE_DATA_DIR=$data RUST_LOG=warn
  if [ "$backend" = postgres ]; then
    db=shopwave_bench_${scale//./_}${name//-/_}
    # The database is on the same machine, where TLS protects nothing: without it (libpq would
    # otherwise negotiate it) cold catalog pages served 10-25 % more (BENCHMARKS.md, "Plans kept
    # for the catalog's statements").
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
    psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db"
  else
    unset DATABASE_URL
  fi
}

# start_server PORT LOG [serve options]: starts `$bin serve` in the background with its output in
# LOG, sets $server to its pid and returns once it answers /healthz.
start_server() {
  local port=$1 log=$2
  shift 2
  $bin serve --bind "127.0.0.1:$port" "$@" > "$log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
}
