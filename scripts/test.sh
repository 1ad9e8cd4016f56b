#!/usr/bin/env bash
# The whole test suite, or one part of it: unit | integration | e2e | all (default).
# Installs the Debian packages the integration suites need (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}

# Test files by place: units next to the code, real processes under test/integration, the booted
# container under test/e2e. A place with no tests yet is simply empty.
files_under() { for dir in "$@"; do if [ -d "$dir" ]; then find "$dir" -name "*.test.ts"; fi; done | sort; }
unit_files() { files_under src; }
integration_files() { files_under test/integration; }
e2e_files() { files_under test/e2e; }

case "$suite" in
  unit) files=$(unit_files) ;;
  integration) files=$(integration_files) ;;
  e2e) files=$(e2e_files) ;;
  all) files="$(unit_files) $(integration_files) $(e2e_files)" ;;
  *) echo "usage: npm test [-- unit|integration|e2e|all]" >&2; exit 1 ;;
esac
if [ "$suite" != unit ]; then
  bash scripts/ensure-debian-packages.sh
fi
[ -d node_modules ] || npm ci
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=3 --test-timeout=600000 $files
