#!/usr/bin/env bash
# HTTP load on loopback with wrk (Debian package `wrk`): durable writes through the API, summary
# reads, then reads while another wrk writes (are reads affected by a writer?). Starts its own
# server on a fresh demo store and stops it. Figures in docs/PERFORMANCE.md.
# Usage: bash bench/http-load.sh [seconds] [connections] [sqlite|postgres]
#   postgres: a fresh schema on the local server (TRANCHE_LOAD_POSTGRES, default
#   postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-32}"
backend="${3:-sqlite}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -q
dir="$(mktemp -d)"
case "$backend" in
    sqlite) database="$dir/load.db"; cleanup=true ;;
    postgres)
        base="${TRANCHE_LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
        schema="tranche_load_$$"
        psql "$base" -qc "CREATE SCHEMA $schema"
        database="$base?options=-c%20search_path%3D$schema"
        cleanup="psql $base -qc 'DROP SCHEMA $schema CASCADE'"
        ;;
    *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
tranche() { target/release/tranche --database "$database" "$@"; }
tranche demo --no-serve > /dev/null
token="$(tranche token create --role coordinator 2>/dev/null)"
tranche serve --listen 127.0.0.1:0 --rate-limit 1000000 > "$dir/serve.out" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true; eval "$cleanup" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do grep -q listening "$dir/serve.out" && break; sleep 0.1; done
url="$(head -1 "$dir/serve.out" | awk '{print $3}')"
cat > "$dir/write.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local id = "load-" .. tostring(math.random(1, 2000000000)) .. "-" .. counter
  local body = '{"command":{"type":"record-participation","party":"ITA","status":"participating","source":{"url":null,"date":"2026-06-01","confidence":"reported"},"note":"' .. id .. '"}}'
  return wrk.format("POST", "/api/v1/commands", {["Content-Type"]="application/json", ["Authorization"]="Bearer $token", ["Idempotency-Key"]=id}, body)
end
LUA
reads="$url/api/v1/summary?as_of=2026-11-26"
echo "== $backend: durable writes: POST /api/v1/commands, $connections connections, ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$dir/write.lua" "$url"
echo "== $backend: reads: GET /api/v1/summary, $connections connections, ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$reads"
half=$(( connections / 2 > 0 ? connections / 2 : 1 ))
echo "== $backend: reads ($half connections) while writes run ($half connections), ${seconds}s"
wrk -t1 -c"$half" -d"${seconds}s" -s "$dir/write.lua" "$url" > "$dir/concurrent-writes.txt" &
writer=$!
wrk -t1 -c"$half" -d"${seconds}s" --latency "$reads"
wait "$writer"
echo "-- the concurrent writes:"
grep -E "Requests/sec|Latency" "$dir/concurrent-writes.txt"
