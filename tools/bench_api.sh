#!/usr/bin/env bash
# `make bench-api`: API ticket submissions against an authenticated status
# read and Odoo's own /web/webclient/version_info, same clients and time, one
# after the other, with Odoo's 4 workers on 127.0.0.1 (benchmarks/bench_api.py).
# The database, its own PostgreSQL cluster and the server are made and removed
# as for `make load` (tools/load.sh, which this runs).
#
#   BENCH_API_ARGS  e.g. "--clients 8 --seconds 30 --workers 4"
#                   (see python3 -m benchmarks.bench_api -h)
#   KEEP_DB=1       keep the database afterwards
set -euo pipefail
SD_LOAD_MODULE=benchmarks.bench_api LOAD_ARGS="${BENCH_API_ARGS:-}" \
    exec bash "$(dirname "${BASH_SOURCE[0]}")/load.sh"
