#!/usr/bin/env bash
# Rebuild assets/plotly/: plotly.js's core (scatter and the layout components) plus only the
# trace types the dashboard draws, minified, as ES modules. The full plotly.min.js that
# Python's plotly ships is 4.8 MB; a phone on a slow network waited for all of it.
#
#   plotly-<hash>.js      the entry every page with a graph loads: core + TRACES
#   plotly-geo-<hash>.js  GEO_TRACES, loaded only when a figure has one (the maps)
#   chunk-<hash>.js       the code both share (the core); each entry imports it
#
# Names carry a hash of their content, so browsers keep each file for a year
# (dashboard/delivery.py) and fetch it again only after a rebuild changed it.
# dashboard/plotlyjs.py finds the files; assets/plotly_loader.js loads them.
#
# (This script lives in bench/, not assets/: every file under assets/ ships in the wheel.)
#
# Usage: bench/build_plotly_bundle.sh [python]
#   python: the interpreter whose plotly package fixes the plotly.js version (default: python)
# Needs node and npm; installs plotly.js and esbuild from the npm registry into a temp dir.
#
# A figure with a trace type listed in neither array draws nothing: add the type here,
# rerun, and commit assets/plotly/ (tests/test_plotly_bundle.py checks the arrays against
# the figure builders in dashboard/).
set -euo pipefail

TRACES=(bar heatmap) # scatter is part of the core
GEO_TRACES=(choropleth scattergeo)
ESBUILD_VERSION=0.28.2

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${1:-python}"
version="$("$python" -c 'from plotly.offline import get_plotlyjs_version; print(get_plotlyjs_version())')"
out="$repo/assets/plotly"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts \
    "plotly.js@$version" "esbuild@$ESBUILD_VERSION"

entry() { # entry <file> <trace>...: the core plus these traces, registered
    local file="$1" i=0
    shift
    {
        echo "import Plotly from 'plotly.js/lib/core';"
        for trace in "$@"; do echo "import t$i from 'plotly.js/lib/$trace';" && i=$((i + 1)); done
        echo "Plotly.register([$(for ((j = 0; j < i; j++)); do printf 't%s, ' "$j"; done)]);"
        echo "export default Plotly;"
    } >"$file"
}
entry plotly.js "${TRACES[@]}"
printf 'export const geoTraces = [%s];\n' "$(printf '"%s", ' "${GEO_TRACES[@]}")" >>plotly.js
entry plotly-geo.js "${GEO_TRACES[@]}"

# plotly.js's own licence header (copyright, MIT), then how these files were made.
licence="$(sed -n '1,/\*\//p' node_modules/plotly.js/dist/plotly.min.js |
    sed -e "s/^\* plotly.js v/* plotly.js (partial - minified) v/" -e '$d')"
banner="$licence
*
* Traces: scatter ${TRACES[*]}
* Geo traces (plotly-geo-*.js): ${GEO_TRACES[*]}
* Built by bench/build_plotly_bundle.sh from the npm packages plotly.js@$version
* (lib/core plus lib/<trace> for each trace) and esbuild@$ESBUILD_VERSION.
*/"

# The options of plotly.js's own build (its esbuild-config.js), minus the WebGL plugins;
# the only CSS it imports is maplibre's, for the tile-map traces, which are left out.
npx esbuild plotly.js plotly-geo.js --bundle --splitting --format=esm --minify \
    --target=es2020 --define:global=window --define:define.amd=false \
    --define:process.env.NODE_DEBUG=false --loader:.css=empty --legal-comments=eof \
    --entry-names='[name]-[hash]' --chunk-names='chunk-[hash]' \
    --banner:js="$banner" --log-level=warning --outdir=built

rm -rf "$out"
mkdir -p "$out"
cp built/*.js "$out/"
echo "wrote $out: $(cd "$out" && wc -c -- *.js | tr '\n' ' ')"
echo "plotly.js $version, traces: scatter ${TRACES[*]}; geo: ${GEO_TRACES[*]}"
