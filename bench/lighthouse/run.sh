#!/usr/bin/env bash
# Lighthouse scores (mobile emulation: Moto G Power screen, simulated slow 4G, 4x CPU
# slowdown) of the portal's main pages, in Debian's Chromium.
#
#   bench/lighthouse/run.sh [BASE_URL]      (default http://127.0.0.1:3000)
#
# Start the portal first (`cargo xtask run`: release build, demo data). Signs in to a demo
# dossier with the no-JavaScript form to get a session cookie, runs Lighthouse per page and
# prints a Markdown table for docs/PERFORMANCE.md; the JSON reports stay in
# bench/lighthouse/reports/. Exits non-zero when a page scores below the budget
# (LH_MIN_PERFORMANCE, default 90; LH_MIN_ACCESSIBILITY, default 100).
set -euo pipefail
cd "$(dirname "$0")"
BASE="${1:-http://127.0.0.1:3000}"
DOSSIER="${LH_DOSSIER:-ISB-2000-000003}"
SECRET="${LH_SECRET:-DEMC-TERM-YN26}"
MIN_PERF="${LH_MIN_PERFORMANCE:-90}"
MIN_A11Y="${LH_MIN_ACCESSIBILITY:-100}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

[ -x node_modules/.bin/lighthouse ] || npm install --no-audit --no-fund --silent
mkdir -p reports

# The session cookie of a no-JavaScript sign-in (the form posts to the server function).
cookie=$(curl -s -o /dev/null -D - -X POST "$BASE/api/sign_in" \
  -H 'accept: text/html' -H "referer: $BASE/" \
  --data-urlencode "dossier=$DOSSIER" --data-urlencode "secret=$SECRET" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(dp_session=[^;]*\).*/\1/p' | head -1)
if [ -z "$cookie" ]; then
  echo "could not sign in to $DOSSIER at $BASE (is the portal running with --demo?)" >&2
  exit 2
fi

pages=("sign-in|/|" "overview|/dossier|auth" "my-data|/dossier/data|auth" "plan|/dossier/plan|auth" "disputes|/dossier/disputes|auth")
echo "| page | performance | accessibility | best practices | first contentful paint | largest contentful paint | total blocking time |"
echo "|---|---|---|---|---|---|---|"
failed=0
for entry in "${pages[@]}"; do
  IFS='|' read -r name path auth <<<"$entry"
  headers='{}'
  [ -n "$auth" ] && headers="{\"Cookie\":\"$cookie\"}"
  node_modules/.bin/lighthouse "$BASE$path" --quiet --output=json --output-path="reports/$name.json" \
    --only-categories=performance,accessibility,best-practices \
    --extra-headers="$headers" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>"reports/$name.log" || {
      echo "lighthouse failed on $path (see bench/lighthouse/reports/$name.log)" >&2; exit 2; }
  line=$(node -e '
    const r = require("./reports/" + process.argv[1] + ".json");
    const s = (c) => Math.round(r.categories[c].score * 100);
    const a = (id) => r.audits[id].displayValue;
    console.log([s("performance"), s("accessibility"), s("best-practices"),
      a("first-contentful-paint"), a("largest-contentful-paint"), a("total-blocking-time")].join("|"));
  ' "$name")
  IFS='|' read -r perf a11y best fcp lcp tbt <<<"$line"
  echo "| $name ($path) | $perf | $a11y | $best | $fcp | $lcp | $tbt |"
  if [ "$perf" -lt "$MIN_PERF" ] || [ "$a11y" -lt "$MIN_A11Y" ]; then failed=1; fi
done
if [ "$failed" = 1 ]; then
  echo "budget broken: performance >= $MIN_PERF and accessibility >= $MIN_A11Y on every page" >&2
  exit 1
fi
