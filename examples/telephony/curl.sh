#!/bin/sh
# The generic call webhook with curl: what any PBX (FreeSWITCH, a virtual
# PBX, a script) sends. EDGE, SITE and KEY from the environment: a server
# key posts calls, reading reports takes an admin key (`npm start` prints the
# edge and writes the deployment's admin key to edge-worker/.dev.vars).
set -eu
EDGE=${EDGE:-http://127.0.0.1:8787}
SITE=${SITE:-demo}
: "${KEY:?set KEY to an admin key of the site}"
ID=${ID:-pbx-$(date +%s)}

# A call comes in to a tracking number (the PBX's own id is the idempotency key).
curl -sS -X POST "$EDGE/v1/sites/$SITE/calls" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"call_id\": \"$ID\", \"tracking_number\": \"+7 499 000-00-01\", \"caller\": \"+7 916 123-45-67\"}"
echo

# It ends: answered, 95 seconds, with a recording.
curl -sS -X PATCH "$EDGE/v1/sites/$SITE/calls/$ID" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"status": "answered", "duration_secs": 95, "recording_url": "https://pbx.example/rec/1.mp3"}'
echo

# The report by channel, and the call log as CSV.
curl -sS "$EDGE/v1/sites/$SITE/reports/calls?group_by=channel" -H "Authorization: Bearer $KEY"
echo
curl -sS "$EDGE/v1/sites/$SITE/calls?format=csv" -H "Authorization: Bearer $KEY"
