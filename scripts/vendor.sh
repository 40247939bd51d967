#!/usr/bin/env bash
# Copies the front-end files listed in scripts/vendor.txt from node_modules into the plugins.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/ckanext-tangerang/ckanext/tangerang"
grep -vE '^\s*(#|$)' "$ROOT/scripts/vendor.txt" | while read -r src dst; do
  [[ -e "$ROOT/node_modules/$src" ]] || { echo "vendor: node_modules/$src is missing (npm ci?)" >&2; exit 1; }
  mkdir -p "$(dirname "$PKG/$dst")"
  rm -rf "${PKG:?}/$dst"
  cp -r "$ROOT/node_modules/$src" "$PKG/$dst"
done
