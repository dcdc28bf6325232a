#!/bin/sh
# Drops from a `pnpm deploy` output (the folder given) what Node never loads in production:
# type declarations, source maps, TypeScript sources, docs and changelogs, packages' tests and
# examples, and the packages listed below. Licence files stay. Runs in the image build only; the compose test starts
# every role (and Sentry, with SENTRY_DSN set) from the pruned images.
set -eu
dir="$1"
[ -d "$dir/node_modules/.pnpm" ] || { echo "prune-deployment: $dir/node_modules/.pnpm not found" >&2; exit 1; }
before="$(du -sk "$dir" | cut -f1)"
find "$dir/node_modules" -type f \( \
    -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
    -o -name '*.map' -o -name '*.md' -o -name '*.markdown' -o -name 'CHANGELOG*' -o -name 'HISTORY*' \
    -o -name '*.tsbuildinfo' -o -name '.npmignore' -o -name '.eslintrc*' -o -name '.prettierrc*' \
    -o -name 'tsconfig*.json' \) -delete
# Packages' own tests, examples and benchmarks, at each package's top level only.
for pkg in "$dir"/node_modules/.pnpm/*/node_modules/* "$dir"/node_modules/.pnpm/*/node_modules/@*/*; do
  [ -f "$pkg/package.json" ] || continue
  for sub in test tests __tests__ example examples benchmark benchmarks coverage .github; do
    if [ -d "$pkg/$sub" ]; then rm -rf "${pkg:?}/$sub"; fi
  done
done
find "$dir/dist" -type f \( -name '*.d.ts' -o -name '*.map' -o -name '*.tsbuildinfo' \) -delete
# @sentry/node depends on its bundler plugins (webpack, vite, … with the Sentry CLI and a native
# parser, ≈28 MB), which only its build-tool entry points (@sentry/node/webpack, …) import; the
# runtime SDK Nudge loads never does.
for pkg in '@sentry+bundler-plugins@' 'sentry@' 'oxc-parser@' '@oxc-parser+binding-' '@oxc-project+types@'; do
  find "$dir/node_modules/.pnpm" -mindepth 1 -maxdepth 1 -name "$pkg*" -exec rm -rf {} +
done
find "$dir/node_modules" -xtype l -path '*/@sentry/bundler-plugins' -delete
after="$(du -sk "$dir" | cut -f1)"
echo "prune-deployment: $dir ${before} KiB -> ${after} KiB"
