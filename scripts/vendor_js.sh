#!/usr/bin/env bash
# Vendor the JavaScript that renders ipywidgets in the static book, so that no page loads a
# remote script (JB1/myst-nb would otherwise fetch require.js from cdnjs and embed-amd.js from
# jsdelivr). Run once; the files in _vendor/ are committed. Needs npm and registry access.
# _config.yml points `nb_ipywidgets_js` at _vendor/require.js and _vendor/embed-amd.js, and
# `html_static_path: [_vendor]` copies them to _build/html/_static/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEST="$PWD/_vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 >/dev/null
for t in *.tgz; do mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done
mkdir -p "$DEST"
cp jupyter-widgets-html-manager-1.0.15/package/dist/embed-amd.js "$DEST/"
cp jupyter-widgets-html-manager-1.0.15/package/dist/*.woff2 "$DEST/"   # fonts embed-amd.js loads
cp requirejs-2.3.8/package/require.js "$DEST/"
ls -l "$DEST"
