#!/usr/bin/env bash
# make bench: prints figures; asserts nothing.
set -eu
cd "$(dirname "$0")/../.."
echo "== list window: 50 rows vs ${BENCH_ROWS:-1000000} rows"
"${BENCH_BIN:-build/release/bench/bench_listwin}" "${BENCH_ROWS:-1000000}"
