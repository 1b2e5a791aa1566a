#!/usr/bin/env bash
# Checks that a running host serves its page assets: fetches the home page, then every stylesheet, script and icon
# it links (href/src under /), and fails unless each answers 200 with a body. Used by run.sh and coldstart.sh on
# the published build, which is what production runs.
#
#   bash bench/assets.sh http://127.0.0.1:5080
set -euo pipefail
url=${1:?usage: assets.sh BASE_URL}
page=$(mktemp); trap 'rm -f "$page"' EXIT
code=$(curl -s -H 'X-Forwarded-Proto: https' -o "$page" -w '%{http_code}' "$url/")
[ "$code" = 200 ] || { echo "assets: GET / answered $code" >&2; exit 1; }
mapfile -t assets < <(grep -oE '(href|src)="/[^"]+\.(css|js|ico|svg|png|woff2?)(\?[^"]*)?"' "$page" | sed -E 's/^(href|src)="//; s/"$//' | sort -u)
[ "${#assets[@]}" -gt 0 ] || { echo "assets: the home page links no stylesheet or script" >&2; exit 1; }
failed=0
for asset in "${assets[@]}"; do
  read -r code size < <(curl -s -H 'X-Forwarded-Proto: https' -o /dev/null -w '%{http_code} %{size_download}\n' "$url$asset")
  if [ "$code" != 200 ] || [ "$size" -eq 0 ]; then echo "assets: $asset answered $code ($size bytes)" >&2; failed=1; fi
done
[ "$failed" = 0 ] && echo "assets:   ${#assets[@]} linked assets answer 200 (${assets[*]})"
exit $failed
