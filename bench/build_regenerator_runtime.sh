#!/usr/bin/env bash
# Rebuild assets/regenerator_runtime.js: the npm package regenerator-runtime, minified.
# Dash's renderer and dcc call the global `regeneratorRuntime` (their async code was
# compiled for it), which Dash ships inside its 99 KB polyfill@7 (core-js 2 as well, for
# browsers older than the ES2020 our plotly.js bundle needs anyway). dashboard/polyfill.py
# serves this file instead: 6.7 KB, 2.3 KB compressed.
#
# Usage: bench/build_regenerator_runtime.sh      (needs node and npm)
set -euo pipefail
VERSION=0.14.1
ESBUILD_VERSION=0.28.2
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts \
    "regenerator-runtime@$VERSION" "esbuild@$ESBUILD_VERSION"
{
    echo "/* regenerator-runtime $VERSION - Copyright (c) 2014-present, Facebook, Inc. - MIT licence."
    echo "   Minified by bench/build_regenerator_runtime.sh (esbuild $ESBUILD_VERSION). */"
    npx esbuild node_modules/regenerator-runtime/runtime.js --minify --legal-comments=none
} >"$repo/assets/regenerator_runtime.js"
