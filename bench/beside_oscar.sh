#!/usr/bin/env bash
# ShopWave and django-oscar measured one after the other in one run, with the same wrk command
# line on the same kinds of page, at 10,000 products each (ShopWave's bulk seed at F = 0.02).
#
#   bench/beside_oscar.sh OSCAR_PEER_DIR OSCARPEER_DIR [--duration S] [--backend sqlite|postgres] [--bin PATH]
#
# OSCAR_PEER_DIR is the folder with the peer's setup.sh and bench.sh (outside this repository);
# OSCARPEER_DIR is the scratch folder its setup.sh filled (10,000 products, the default).
# ShopWave is measured twice: with its catalog cache (warm) and with `--catalog-cache 0`, where
# every page reads the database (cold). Each page is given as a ratio to its own server's ceiling
# (ShopWave's /ping, Oscar's trivial view through its middleware) and ShopWave's to Oscar's.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/shop.sh

peer=${1:?the folder with bench.sh of the peer}
scratch=${2:?the folder that setup.sh of the peer filled}
shift 2
duration=20 backend=sqlite port=18091 bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
wrk_line=(wrk -t2 -c32 -d"${duration}s" --timeout 30s --latency)
out=$(mktemp -d)

echo "== django-oscar"
# The peer's script ends with a test for a checkout log it did not write (exit 1): its table decides.
OSCARPEER_DIR=$scratch DURATION=${duration}s CHECKOUT_RUNS=0 C1_DURATION=0 "$peer/bench.sh" > "$out/oscar.md" || true
grep -q '^| hello (HTTP 200)' "$out/oscar.md" || { cat "$out/oscar.md"; echo "the peer's bench failed" >&2; exit 1; }
oscar_rps() { # page name -> req/s from the peer's summary table
  awk -F'|' -v n="$1" '$2 ~ "^ "n" \\(" {gsub(/ /, "", $4); print $4; exit}' "$out/oscar.md"
}

echo "== ShopWave ($backend, F = 0.02)"
use_binary "$bin"
use_shop "$backend" 0.02
[ -f "$data/seeded" ] || { $bin seed --scale 0.02 && touch "$data/seeded"; }

shopwave_run() { # cache-size -> "name|req/s" lines
  start_server "$port" "$data/server.log" --catalog-cache "$1"
  local base=http://127.0.0.1:$port
  # The same kinds of page as the peer's: its first leaf category, a product from the middle of
  # the catalog, a search for "leather".
  local category product
  category=$(curl -fs "$base/" | grep -o 'href="/c/[^"]*"' | tail -1 | cut -d'"' -f2)
  product=$(curl -fs "$base$category" | grep -o 'href="/p/[^"]*"' | head -1 | cut -d'"' -f2)
  while IFS='|' read -r name path; do
    "${wrk_line[@]}" -d2s "$base$path" > /dev/null
    echo "$name|$("${wrk_line[@]}" "$base$path" | awk '/^Requests\/sec/ {print $2}')"
  done <<EOF
hello|/ping
home|/
category|$category
product|$product
search|/search?q=leather
EOF
  kill "$server"; wait "$server" 2>/dev/null || true
}
shopwave_run 10000 > "$out/warm"
shopwave_run 0 > "$out/cold"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'; }
oscar_ceiling=$(oscar_rps hello)
warm_ceiling=$(awk -F'|' '$1 == "hello" {print $2}' "$out/warm")
cold_ceiling=$(awk -F'|' '$1 == "hello" {print $2}' "$out/cold")
echo
echo "$(date -u +%F), $(nproc) cores, ${wrk_line[*]}; ShopWave $backend F = 0.02 (10,000 products), django-oscar 10,000 products"
echo
echo "| page | Oscar req/s | × its ceiling | ShopWave warm req/s | × its ceiling | × Oscar | ShopWave cold req/s | × its ceiling | × Oscar |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for name in hello home category product search; do
  label=$name; [ "$name" = hello ] && label="ceiling"
  o=$(oscar_rps "$name")
  w=$(awk -F'|' -v n="$name" '$1 == n {print $2}' "$out/warm")
  c=$(awk -F'|' -v n="$name" '$1 == n {print $2}' "$out/cold")
  echo "| $label | $o | $(ratio "$o" "$oscar_ceiling") | $w | $(ratio "$w" "$warm_ceiling") | $(ratio "$w" "$o") | $c | $(ratio "$c" "$cold_ceiling") | $(ratio "$c" "$o") |"
done
echo
echo "The peer's own table:"
cat "$out/oscar.md"
