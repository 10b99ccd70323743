#!/usr/bin/env bash
# Build time and size of what crawlers fetch (issue 19): the sitemap index, every sitemap file
# and the Google shopping feed, on the database bench/run.sh seeded. Each file is fetched twice
# in a row: the first fetch builds it from the database (nothing is cached at server start),
# the second is served from what the first kept. Prints a markdown table and the server's RSS
# before the feed, after it, and at its peak.
#
#   bench/crawler_files.sh [--backend sqlite|postgres] [--scale F] [--bin PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/shop.sh

backend=sqlite scale=0.01 port=18091 bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

use_binary "$bin"
[ -f "bench-data/$backend-$scale/seeded" ] || { echo "seed first: bench/run.sh --backend $backend --scale $scale" >&2; exit 2; }
use_shop "$backend" "$scale"
start_server "$port" "$data/crawler-server.log"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
# Wait until the indexer has caught up, so the catalog version stays put between the fetches.
sleep 3

rss() { awk "/$1/ {print int(\$2 / 1024)}" /proc/$server/status; }
body=$(mktemp)
fetch() { # path -> "seconds bytes entries"
  local stats entries
  stats=$(curl -fsS -o "$body" -w '%{time_total} %{size_download}' "http://127.0.0.1:$port$1")
  entries=$(grep -c -E '<(url|sitemap|item)>' "$body" || true)
  echo "$stats $entries"
}
row() { # path
  local cold warm
  cold=$(fetch "$1")
  warm=$(fetch "$1")
  read -r c_s bytes entries <<<"$cold"
  read -r w_s _ _ <<<"$warm"
  printf '| %s | %s | %s | %.3f s | %.3f s |\n' "$1" "$entries" \
    "$(numfmt --to=iec --suffix=B "$bytes")" "$c_s" "$w_s"
}

echo "backend $backend, scale $scale, $(nproc) cores, $(date -u +%F)"
echo
echo "| file | entries | size | first fetch (built) | second fetch (kept) |"
echo "|---|---:|---:|---:|---:|"
row /sitemap.xml
row /sitemap/categories.xml
curl -fsS "http://127.0.0.1:$port/sitemap.xml" | grep -o '/sitemap/products-[0-9]*\.xml' | while read -r file; do
  row "$file"
done
before=$(rss VmRSS)
row /feeds/google.xml
echo
echo "server RSS: $before MB before the feed, $(rss VmRSS) MB after it, peak $(rss VmHWM) MB"
