#!/usr/bin/env bash
# Page benchmarks: starts the release server on a seeded database and measures each page with
# wrk for a fixed duration and concurrency, beside the ceiling (/ping through the same stack).
#
#   bench/run.sh [--backend sqlite|postgres] [--scale F] [--duration S] [--connections C] [--cache N] [--warmup S] [--bin PATH] [--shop NAME] [--profile PAGE]
#
# --bin measures a given shopwave binary instead of building this checkout (two builds compared
# on the same data: the older first, as the newer one migrates the database). --shop NAME seeds and
# measures a shop of its own (bench-data/BACKEND-SCALE-NAME), for builds whose schemas differ.
# --cache is the server's --catalog-cache (catalog pages kept in memory per kind); 0 measures
# every page read from the database. Before each read page is measured, every path of its list
# is loaded once and the page is loaded for --warmup seconds, unmeasured (a shop in service has
# its popular pages in its caches and the OS page cache).
#
# --profile samples the server with `perf record` while the page whose name starts with PAGE
# (e.g. "product", "cart add") is measured, and prints where its CPU time went, by function;
# the other pages are then skipped (the ceiling is still measured, for the ratio).
#
# Prints a markdown table (req/s, p50, p99, errors, ratio to the ceiling) and the peak RSS.
# Seeded databases are kept under bench-data/ and reused; delete them to reseed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/shop.sh

backend=sqlite scale=0.01 duration=10 connections=32 port=18090 cache=10000 warmup=3 bin= shop= profile=
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --shop) shop=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
use_binary "$bin"
use_shop "$backend" "$scale" "$shop"
if [ "$backend" = postgres ]; then
  psql_q() { psql -h 127.0.0.1 -U postgres -d "$db" -tAc "$1"; }
else
  psql_q() { python3 -c 'import sqlite3,sys; [print("|".join(map(str,r))) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$data/shopwave.sqlite3" "$1"; }
fi

if [ ! -f "$data/seeded" ]; then
  echo "== seeding $backend at scale $scale"
  /usr/bin/time -f "seed: %e s, peak RSS %M KB" $bin seed --scale "$scale"
  touch "$data/seeded"
fi

echo "== starting the server ($backend, scale $scale)"
start_server "$port" "$data/server.log" --catalog-cache "$cache"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

# Path lists: popular products (the seed's skew puts them first), categories, queries.
lists=$(mktemp -d)
psql_q "SELECT '/p/' || slug FROM products WHERE status = 'active' ORDER BY id LIMIT 2000" > "$lists/products"
psql_q "SELECT '/c/' || slug FROM categories ORDER BY id" > "$lists/categories"
sed 's|^|/search?q=|; s| |+|g; s|"|%22|g' bench/queries.txt > "$lists/search"

cat > "$lists/rotate.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

psql_q "SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.stock > 100 AND v.is_active AND p.status = 'active' ORDER BY v.id LIMIT 5000" > "$lists/variants"
python3 bench/prepare.py "http://127.0.0.1:$port" "$lists" shopper1@bulk.test shopwave-bulk-shopper

cat > "$lists/cart_add.lua" <<'LUA'
local variants, visitors = {}, {}
for line in io.lines(os.getenv("VARIANTS")) do variants[#variants + 1] = line end
for line in io.lines(os.getenv("VISITORS")) do
  local cookie, token = line:match("^(.-)\t(.*)$")
  visitors[#visitors + 1] = { cookie = cookie, token = token }
end
local i = math.random(#variants)
request = function()
  i = i + 1
  local visitor = visitors[i % #visitors + 1]
  return wrk.format("POST", "/cart/add",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = visitor.cookie },
    "quantity=1&csrf_token=" .. visitor.token .. "&variant_id=" .. variants[i % #variants + 1])
end
LUA

results=$(mktemp)
run() { # name, url-or-list-or-lua [, extra wrk arguments]
  local name=$1 target=$2 out
  shift 2
  [ -n "$profile" ] && [[ "$name" != "$profile"* && "$name" != ceiling* ]] && return
  load() { # seconds [extra wrk arguments]
    local seconds=$1
    shift
    if [[ "$target" == *.lua ]]; then
      wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$target" "$@" "http://127.0.0.1:$port/"
    elif [ -f "$target" ]; then
      PATHS=$target wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$lists/rotate.lua" "http://127.0.0.1:$port/"
    else
      wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "http://127.0.0.1:$port$target"
    fi
  }
  # Reads start warm: every path of a list once, then --warmup seconds of load. Writes are
  # measured cold: a warm-up would only fill the cart.
  [ -f "$target" ] && [[ "$target" != *.lua ]] && python3 bench/warm.py "http://127.0.0.1:$port" "$target"
  [[ "$target" == *.lua ]] || load "$warmup" "$@" > /dev/null
  if [ -n "$profile" ] && [[ "$name" == "$profile"* ]]; then
    perf record -q -F 499 -g -o "$lists/perf.data" -p "$server" -- sleep "$duration" 2>/dev/null &
    local perf=$!
    out=$(load "$duration" "$@")
    wait $perf
    perf report -q -i "$lists/perf.data" --no-children --sort dso,symbol --percent-limit 0.7 -g none \
      | sed -E "s/[ -]+$//" > "$lists/profile.txt" 2>/dev/null
  else
    out=$(load "$duration" "$@")
  fi
  local rps p50 p99 non2xx errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
  errors=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out"); errors=${errors:-0}
  echo "$name|$rps|$p50|$p99|$non2xx|$errors" >> "$results"
}

run "ceiling (/ping)" /ping
run "home" /
run "category (first page)" "$lists/categories"
run "category (deep keyset page)" "$lists/deep_categories"
run "product" "$lists/products"
run "search" "$lists/search"
run "order history (heaviest customer)" /orders -H "Cookie: $(cat "$lists/heavy_cookie")"
run "cart (signed in, 3 lines)" /cart -H "Cookie: $(cat "$lists/heavy_cookie")"
run "account (signed in)" /account -H "Cookie: $(cat "$lists/heavy_cookie")"
VARIANTS=$lists/variants VISITORS=$lists/visitors run "cart add (POST, 256 visitors)" "$lists/cart_add.lua"

rss=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
ceiling=$(head -1 "$results" | cut -d'|' -f2)
echo
echo "backend $backend, scale $scale, catalog cache $cache, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), wrk -t2 -c$connections -d${duration}s, $(date -u +%F)"
echo
echo "| page | req/s | p50 | p99 | non-2xx | socket errors | × ceiling |"
echo "|---|---:|---:|---:|---:|---:|---:|"
while IFS='|' read -r name rps p50 p99 non2xx errors; do
  ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.2f", a / b }')
  echo "| $name | $rps | $p50 | $p99 | $non2xx | $errors | $ratio |"
done < "$results"
echo
echo "peak RSS of the server: $((rss / 1024)) MB"
if [ -n "$profile" ]; then
  echo
  echo "where the server's CPU time went while \"$profile\" was measured (perf, self time):"
  cat "$lists/profile.txt"
fi
