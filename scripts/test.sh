#!/usr/bin/env bash
# The whole test suite, or one part of it: unit | integration | e2e | all (default).
# Installs the Debian packages the integration suites need (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}

unit_files() { find src test/unit -name '*.test.ts' 2>/dev/null | sort; }
integration_files() { find test/integration -name '*.test.ts' 2>/dev/null | sort; }
e2e_files() { find test/e2e -name '*.test.ts' 2>/dev/null | sort; }

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
exec node --import tsx --test --test-concurrency=2 --test-timeout=600000 $files
