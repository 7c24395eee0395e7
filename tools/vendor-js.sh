#!/usr/bin/env bash
# Re-fetch the browser dashboard's one vendored library (Chart.js) from the npm
# registry and copy it into buzzline/dashboard/static/vendor/.
#
#   tools/vendor-js.sh           fetch, copy, write VERSIONS, print the sha256
#   tools/vendor-js.sh --check   fetch and compare with the vendored file; change nothing
#
# The dashboard works offline: the browser loads only /static/vendor/chart.umd.min.js.
set -euo pipefail

PKG=chart.js
VERSION=4.6.1
FILE=chart.umd.min.js

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/buzzline/dashboard/static/vendor"
check=0
[[ "${1:-}" == "--check" ]] && check=1

command -v npm >/dev/null || { echo "vendor-js: npm is needed (Node.js)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
tar -xzf "$tarball" -C "$tmp"

src="$tmp/package/dist/$FILE"
[[ -f "$src" ]] || { echo "vendor-js: $PKG@$VERSION has no dist/$FILE" >&2; exit 1; }
got_version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json" | head -1)"
[[ "$got_version" == "$VERSION" ]] || { echo "vendor-js: got $PKG $got_version, wanted $VERSION" >&2; exit 1; }

hash="$(sha256sum "$src" | cut -d' ' -f1)"

if (( check )); then
    have="$(sha256sum "$dest/$FILE" | cut -d' ' -f1)"
    recorded="$(awk '{print $4}' "$dest/VERSIONS" 2>/dev/null || true)"
    echo "npm:      $hash"
    echo "vendored: $have"
    echo "VERSIONS: $recorded"
    if [[ "$hash" == "$have" && "$have" == "$recorded" ]]; then
        echo "vendor-js: $PKG $VERSION is up to date"
    else
        echo "vendor-js: vendored $PKG differs from $PKG@$VERSION on npm" >&2
        exit 1
    fi
    exit 0
fi

mkdir -p "$dest"
cp "$src" "$dest/$FILE"
cp "$tmp/package/LICENSE.md" "$dest/LICENSE.chart.js.md"
echo "$PKG $VERSION sha256 $hash" > "$dest/VERSIONS"

have="$(sha256sum "$dest/$FILE" | cut -d' ' -f1)"
[[ "$have" == "$hash" ]] || { echo "vendor-js: copy of $FILE is corrupt" >&2; exit 1; }
echo "vendor-js: $PKG $VERSION -> ${dest#"$root"/}/$FILE"
echo "sha256 $hash"
