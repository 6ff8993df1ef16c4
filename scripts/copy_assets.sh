#!/usr/bin/env bash
# Copy the npm-installed front-end assets into static/vendor/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules
dst=static/vendor
rm -rf "$dst"
mkdir -p "$dst/tabler/css" "$dst/tabler/js" "$dst/tabler-icons" "$dst/htmx" "$dst/alpinejs" "$dst/echarts"
cp "$src/@tabler/core/dist/css/tabler.min.css" "$dst/tabler/css/"
cp "$src/@tabler/core/dist/js/tabler.min.js" "$dst/tabler/js/"
cp "$src/@tabler/icons-webfont/dist/tabler-icons.min.css" "$dst/tabler-icons/"
cp -r "$src/@tabler/icons-webfont/dist/fonts" "$dst/tabler-icons/"
cp "$src/htmx.org/dist/htmx.min.js" "$dst/htmx/"
cp "$src/alpinejs/dist/cdn.min.js" "$dst/alpinejs/alpine.min.js"
cp "$src/echarts/dist/echarts.min.js" "$dst/echarts/"
echo "assets copied to $dst"
