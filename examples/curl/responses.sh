#!/usr/bin/env bash
# Create, stream and chain responses with curl.
#   OPENAI_BASE_URL  the gateway's /v1 URL (default http://127.0.0.1:8080/v1)
#   OPENAI_API_KEY   a gateway key, when it was started with --api-key (default: none sent)
#   MODEL            a model the backend serves (default sim-chat, the simulator's)
set -euo pipefail
BASE="${OPENAI_BASE_URL:-http://127.0.0.1:8080/v1}"
MODEL="${MODEL:-sim-chat}"
AUTH=()
if [ -n "${OPENAI_API_KEY:-}" ]; then AUTH=(-H "authorization: Bearer $OPENAI_API_KEY"); fi
post() { curl -sS --fail-with-body "$BASE/responses" -H 'content-type: application/json' "${AUTH[@]}" -d "$1"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

# 1. A response as JSON.
first=$(post "{\"model\":\"$MODEL\",\"input\":\"Say hello\"}")
id=$(printf '%s' "$first" | field id)
echo "created $id: $(printf '%s' "$first" | field status)"

# 2. The same as server-sent events: one `event:` / `data:` pair per event.
post "{\"model\":\"$MODEL\",\"input\":\"Say hello\",\"stream\":true}" > stream.sse
grep -c '^event: response.output_text.delta' stream.sse | sed 's/^/text deltas: /'
grep -q '^event: response.completed' stream.sse
rm stream.sse

# 3. A follow-up that continues the first one (stored by default).
second=$(post "{\"model\":\"$MODEL\",\"input\":\"And again\",\"previous_response_id\":\"$id\"}")
echo "continued from $(printf '%s' "$second" | field previous_response_id)"

# 4. Fetch the stored response back.
curl -sS --fail-with-body "$BASE/responses/$id" "${AUTH[@]}" | field status
