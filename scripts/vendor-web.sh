#!/usr/bin/env bash
# Re-creates web/vendor/ from the npm registry at pinned versions.
#
# The web page has no build step and must work with no internet, so its
# third-party code is checked in. This script is how that code got there:
# it fetches each package with `npm pack`, checks the tarball against the
# integrity hash pinned below, and copies only the browser build, the
# stylesheet and the licence. Run it from anywhere; it needs node and npm.
#
#   scripts/vendor-web.sh          # fetch, verify, copy
#   scripts/vendor-web.sh --check  # same, then fail if web/vendor/ changed
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/web/vendor"

# name version integrity (npm's dist.integrity of the tarball)
PACKAGES=(
  "maplibre-gl 5.24.1 sha512-HyiYBwtsbk3L1n1EPLJHWqdoyMiF80n7tEYXFZyu2m1TjvaNx6KMLiFeDdmszt1/mq2zvsR1TJuX/NMu5BonXQ=="
  "terra-draw 1.35.0 sha512-uQI8lcPiUMqwVV29CexTfvT/AM4lGHtA+xWraW4njVExiM1+eGvRetYOBXmXEmgy5pL4X2dmjwMRH8JEYVtbgw=="
  "terra-draw-maplibre-gl-adapter 1.4.1 sha512-qZ/bc9bVPnyt0keLVTofV8xiTPkdkbO6RzqrfNLe9zH/edW5PsjvJw97m1EksPZeXNJtFxsVbhi12cPaoNiWfg=="
)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION INTEGRITY -> prints the unpacked package directory
fetch() {
  local name="$1" version="$2" integrity="$3"
  local tgz="$WORK/$name-$version.tgz"
  (cd "$WORK" && npm pack --silent "$name@$version" >/dev/null)
  local got
  got="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
  if [[ "$got" != "$integrity" ]]; then
    echo "integrity mismatch for $name@$version: got $got, pinned $integrity" >&2
    exit 1
  fi
  mkdir -p "$WORK/$name"
  tar -xzf "$tgz" -C "$WORK/$name"
  echo "$WORK/$name/package"
}

# version_file DIR NAME VERSION INTEGRITY FILES...
version_file() {
  local dir="$1" name="$2" version="$3" integrity="$4"
  shift 4
  {
    echo "$name@$version"
    echo "source: npm registry, \`npm pack $name@$version\` (scripts/vendor-web.sh)"
    echo "integrity: $integrity"
    echo "files: $*"
  } >"$dir/VERSION"
}

# terra-draw's npm packages ship no licence file; package.json says MIT and
# the upstream repository's LICENSE carries this copyright line.
mit_licence() {
  cat <<'EOF'
Copyright 2022 James Milner

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
EOF
}

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity <<<"$entry"
  pkg="$(fetch "$name" "$version" "$integrity")"
  dest="$VENDOR/$name"
  rm -rf "$dest"
  mkdir -p "$dest"
  license="$(node -p 'require(process.argv[1]).license' "$pkg/package.json")"
  case "$name" in
    maplibre-gl)
      files=(maplibre-gl.js maplibre-gl.css)
      cp "$pkg/dist/maplibre-gl.js" "$pkg/dist/maplibre-gl.css" "$dest/"
      cp "$pkg/LICENSE.txt" "$dest/LICENSE.txt"
      ;;
    terra-draw | terra-draw-maplibre-gl-adapter)
      [[ "$license" == "MIT" ]] || { echo "$name@$version: licence is now $license" >&2; exit 1; }
      files=("$name.umd.js")
      cp "$pkg/dist/$name.umd.js" "$dest/"
      mit_licence >"$dest/LICENSE.txt"
      ;;
  esac
  version_file "$dest" "$name" "$version" "$integrity" "${files[@]}" "LICENSE.txt ($license)"
  echo "vendored $name@$version ($license) into web/vendor/$name"
done

if [[ "${1:-}" == "--check" ]]; then
  changed="$(git -C "$ROOT" status --porcelain -- web/vendor)"
  if [[ -n "$changed" ]]; then
    echo "$changed" >&2
    echo "web/vendor/ differs from what scripts/vendor-web.sh produces" >&2
    exit 1
  fi
fi
