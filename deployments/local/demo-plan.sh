#!/usr/bin/env bash
# Runs one 4-tier plan through the API of a running `make run` (or `choucha serve`):
# create → announce → reveal seed → draw → assign, then exports the audit file and checks it
# with `choucha verify plan`. The seed is a drand quicknet round ~9 s in the future at
# announcement (so the pools are committed before it exists); its randomness is entered by
# hand here, as a regulator would after the round (offline: no network).
#   usage: deployments/local/demo-plan.sh [URL] [DATA_DIR] [PLAN_ID]
set -euo pipefail
url=${1:-http://127.0.0.1:8080}
data=${2:-data}
id=${3:-DEMO-$(date +%s)}
bin=${CHOUCHA_BIN:-bin/choucha}
token=$(cat "$data/admin.token")
call() { # METHOD PATH [JSON]
  local out status
  out=$(mktemp)
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Accept-Language: zh-CN' "$url$2" ${3:+--data "$3"})
  echo "$1 $2 → $status $(head -c 300 "$out")" >&2
  [[ $status == 2* ]] || { cat "$out" >&2; exit 1; }
  cat "$out"; rm -f "$out"
}
genesis=1692803367 period=3
round=$(( ( $(date +%s) + 9 - genesis ) / period + 1 ))
round_at=$(( genesis + (round - 1) * period ))
day=$(TZ=Asia/Shanghai date -d "@$round_at" +%F)
item=$(call GET '/api/v1/items?category=%E9%87%8D%E7%82%B9&department=%E5%B8%82%E5%9C%BA%E7%9B%91%E7%AE%A1%E5%B1%80&limit=1' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["code"])')
call POST /api/v1/plans "{\"id\":\"$id\",\"year\":$(date +%Y),\"batch\":1,\"title\":\"双随机抽查演示计划\",
  \"lead_department\":\"市场监管局\",\"items\":[\"$item\"],\"scope\":{\"region_prefix\":\"\",\"mode\":\"不定向\"},
  \"ratios\":{\"A\":\"0.01\",\"B\":\"0.03\",\"C\":\"0.1\",\"D\":\"0.3\"},\"draw_date\":\"$day\",
  \"seed\":{\"type\":\"drand\",\"round\":$round}}" >/dev/null
call POST "/api/v1/plans/$id/announce" '{}' >/dev/null
sleep $(( round_at - $(date +%s) + 1 ))
call POST "/api/v1/plans/$id/seed" "{\"sources\":[[$round],[$RANDOM,$RANDOM,$RANDOM,$RANDOM]]}" >/dev/null
call POST "/api/v1/plans/$id/draw" '{}' >/dev/null
call POST "/api/v1/plans/$id/assign" '{"team_size":2,"workload_cap":30}' >/dev/null
call GET "/api/v1/plans/$id/audit" > "/tmp/$id.audit.json"
echo "public view: $url/public/v1/plans/$id" >&2
"$bin" verify plan "/tmp/$id.audit.json"
