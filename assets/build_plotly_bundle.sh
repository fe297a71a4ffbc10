#!/usr/bin/env bash
# Rebuild assets/plotly-partial.min.js: plotly.js's core (scatter and the layout components)
# plus only the trace types the dashboard draws, minified. The full plotly.min.js that
# Python's plotly ships is 4.8 MB; a phone on a slow network waited for all of it.
#
# Usage: assets/build_plotly_bundle.sh [python]
#   python: the interpreter whose plotly package fixes the plotly.js version (default: python)
# Needs node and npm; installs plotly.js and esbuild from the npm registry into a temp dir.
#
# A figure with a trace type not listed in TRACES draws nothing: add the type here, rerun,
# and commit the new bundle (tests/test_plotly_bundle.py checks the list against dashboard/).
set -euo pipefail

TRACES=(bar heatmap choropleth scattergeo) # scatter is part of the core
ESBUILD_VERSION=0.28.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${1:-python}"
version="$("$python" -c 'from plotly.offline import get_plotlyjs_version; print(get_plotlyjs_version())')"
out="$here/plotly-partial.min.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts \
    "plotly.js@$version" "esbuild@$ESBUILD_VERSION"

{
    echo "var Plotly = require('plotly.js/lib/core');"
    echo "Plotly.register(["
    for trace in "${TRACES[@]}"; do echo "    require('plotly.js/lib/$trace'),"; done
    echo "]);"
    echo "module.exports = Plotly;"
} >entry.js

# The options of plotly.js's own build (its esbuild-config.js), minus the WebGL plugins.
npx esbuild entry.js --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
    --define:global=window --define:define.amd=false --define:process.env.NODE_DEBUG=false \
    --legal-comments=eof --log-level=warning --outfile=bundle.js

{
    # plotly.js's own licence header (copyright, MIT), then how this file was made
    sed -n '1,/\*\//p' node_modules/plotly.js/dist/plotly.min.js |
        sed -e "s/^\* plotly.js v/* plotly.js (partial - minified) v/" -e '$d'
    cat <<EOF
*
* Traces: scatter ${TRACES[*]}
* Built by assets/build_plotly_bundle.sh from the npm packages plotly.js@$version
* (lib/core plus lib/<trace> for each trace) and esbuild@$ESBUILD_VERSION.
*/
EOF
    cat bundle.js
} >"$out"
echo "wrote $out ($(wc -c <"$out") bytes, plotly.js $version, traces: scatter ${TRACES[*]})"
