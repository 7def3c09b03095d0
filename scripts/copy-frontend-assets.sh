#!/usr/bin/env bash
# Copy the front-end packages Kith serves itself (no CDN) from node_modules into
# frontend/static/vendor/, which is git-ignored and collected by `manage.py collectstatic`.
#
#   govuk-frontend  compiled CSS (without GOV.UK's own font), the ES module bundle and assets
#   leaflet         the map library, its CSS and marker images (progressive enhancement only)
#   axe-core        the accessibility checker the browser tests inject into each page
#
# Run by `scripts/kith.sh node` after `npm ci`; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_MODULES="$ROOT/node_modules"
VENDOR="$ROOT/frontend/static/vendor"

for package in govuk-frontend leaflet axe-core; do
  if [ ! -d "$NODE_MODULES/$package" ]; then
    echo "node_modules/$package is missing: run 'npm ci' first." >&2
    exit 1
  fi
done

rm -rf "$VENDOR"
mkdir -p "$VENDOR/govuk-frontend" "$VENDOR/leaflet" "$VENDOR/axe-core"

GOVUK="$NODE_MODULES/govuk-frontend/dist/govuk"
cp "$GOVUK"/govuk-frontend.min.css.map "$VENDOR/govuk-frontend/"
# GDS Transport is GOV.UK's own typeface; a council service may not use it. Drop its
# @font-face rules (the compiled equivalent of `$govuk-include-default-font-face: false`), so
# no page ever asks for the font files; frontend/static/kith/kith.css sets system fonts.
sed -E 's/@font-face\{[^}]*\}//g' "$GOVUK/govuk-frontend.min.css" > "$VENDOR/govuk-frontend/govuk-frontend.min.css"
if grep -q "@font-face" "$VENDOR/govuk-frontend/govuk-frontend.min.css"; then
  echo "Could not remove GOV.UK's @font-face rules from govuk-frontend.min.css" >&2
  exit 1
fi
cp "$GOVUK"/govuk-frontend.min.js "$GOVUK"/govuk-frontend.min.js.map "$VENDOR/govuk-frontend/"
cp -R "$GOVUK/assets" "$VENDOR/govuk-frontend/assets"

LEAFLET="$NODE_MODULES/leaflet/dist"
cp "$LEAFLET"/leaflet.js "$LEAFLET"/leaflet.js.map "$LEAFLET"/leaflet.css "$VENDOR/leaflet/"
cp -R "$LEAFLET/images" "$VENDOR/leaflet/images"

cp "$NODE_MODULES/axe-core/axe.min.js" "$VENDOR/axe-core/"

for package in govuk-frontend leaflet axe-core; do
  version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$NODE_MODULES/$package/package.json" | head -1)"
  echo "$package $version" >> "$VENDOR/VERSIONS"
done
echo "Front-end assets copied to frontend/static/vendor/ ($(tr '\n' ' ' < "$VENDOR/VERSIONS"))"
