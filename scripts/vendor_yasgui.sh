#!/bin/sh
# Vendor YASGUI (the SPARQL query UI served at /) into the package, so the page needs no CDN.
#
#   scripts/vendor_yasgui.sh [VERSION]      default: the version in static/vendor/yasgui/VERSION
#
# Fetches @zazuko/yasgui from the npm registry with `npm pack` (npm checks the tarball against
# the registry's integrity hash), copies only build/yasgui.min.js and build/yasgui.min.css,
# byte for byte, and writes VERSION and SHA256SUMS beside them. tests/test_ui.py checks the
# served files against SHA256SUMS. Needs npm, tar and sha256sum; run from anywhere.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/src/kgraph/web/static/vendor/yasgui"
version=${1:-$(cat "$dest/VERSION" 2>/dev/null || echo 4.6.2)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$tmp" && npm pack --silent "@zazuko/yasgui@$version" >/dev/null)
tarball="$tmp/zazuko-yasgui-$version.tgz"
[ -f "$tarball" ] || { echo "npm pack did not produce $tarball" >&2; exit 1; }
tar -xzf "$tarball" -C "$tmp" package/build/yasgui.min.js package/build/yasgui.min.css

mkdir -p "$dest"
cp "$tmp/package/build/yasgui.min.js" "$tmp/package/build/yasgui.min.css" "$dest/"
printf '%s\n' "$version" > "$dest/VERSION"
(cd "$dest" && sha256sum yasgui.min.css yasgui.min.js > SHA256SUMS)

echo "vendored @zazuko/yasgui@$version into ${dest#"$root"/}:"
cat "$dest/SHA256SUMS"
