# Developer commands of service_desk.  `make` (or `make help`) lists them.
# Every generated file (database cluster links, filestore, logs, builds) lives
# under .local/, which git ignores.  Variables can be overridden on the command
# line: make demo HTTP_PORT=8070, make test TESTS=tests/test_ticket.py ...

SHELL := /bin/bash
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

PYTHON ?= python3
DEMO_DB ?= service_desk_demo
HTTP_PORT ?= 8069
HTTP_INTERFACE ?= 127.0.0.1
ADDONS_PATH ?= $(ROOT)/.local/addons
TESTS ?= tests
PYTEST_ARGS ?=
TEST_LOG_LEVEL ?= warn
BENCH_ARGS ?=
LOAD_ARGS ?=
BENCH_API_ARGS ?=
WHEEL_DIR ?= $(ROOT)/.local/dist
MAIL_ARGS ?=
CORE_SUITES ?=

export PYTHON DEMO_DB HTTP_PORT HTTP_INTERFACE ADDONS_PATH TESTS PYTEST_ARGS \
	TEST_LOG_LEVEL BENCH_ARGS LOAD_ARGS BENCH_API_ARGS CORE_SUITES

.DEFAULT_GOAL := help
.PHONY: help demo mail-demo test core-tests bench bench-api load replica-check lint wheel check-upgrade check-wheel drop-demo clean

help: ## list these commands
	@echo "service_desk: make <command> [VARIABLE=value ...]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: DEMO_DB=$(DEMO_DB) HTTP_PORT=$(HTTP_PORT) HTTP_INTERFACE=$(HTTP_INTERFACE)"
	@echo "  TESTS=$(TESTS) PYTEST_ARGS=$(PYTEST_ARGS) TEST_LOG_LEVEL=$(TEST_LOG_LEVEL) PYTHON=$(PYTHON)"
	@echo "  PGHOST/PGPORT/PGUSER or SD_ODOO_RC=odoo.conf: use an existing PostgreSQL server"

demo: ## demo database with service_desk, served on http://127.0.0.1:8069
	@bash "$(ROOT)/tools/demo.sh"

mail-demo: ## send a sample customer email to the running demo's support@example.com; prints the ticket
	@$(PYTHON) "$(ROOT)/tools/send_sample_email.py" $(MAIL_ARGS)

test: ## run the tests in a throwaway database (tours in headless Chromium)
	@bash "$(ROOT)/tools/test.sh"

core-tests: ## Odoo's own test suites of the addons we extend, with service_desk installed
	@bash "$(ROOT)/tools/core_tests.sh"

bench: ## benchmarks side by side in a throwaway database, ratios against targets
	@bash "$(ROOT)/tools/bench.sh"

bench-api: ## API submissions against an authenticated read and Odoo's floor, 4 workers, ratios
	@bash "$(ROOT)/tools/bench_api.sh"

load: ## multi-worker load test on 127.0.0.1 in a throwaway database, then consistency checks
	@bash "$(ROOT)/tools/load.sh"

replica-check: ## reads on a PostgreSQL hot standby, writes on the primary, a lagging and a stopped replica
	@bash "$(ROOT)/tools/replica_check.sh"

lint: ## ruff's checks and formatting, pylint with pylint-odoo
	@bash "$(ROOT)/tools/lint.sh"

wheel: ## build the odoo-addon-service_desk wheel of the last commit into .local/dist
	@bash "$(ROOT)/tools/wheel.sh" "$(WHEEL_DIR)"

check-upgrade: ## install, fill, upgrade and uninstall service_desk in a throwaway database
	@bash "$(ROOT)/tools/check_upgrade.sh"

check-wheel: ## build the wheel and check Odoo finds the addon in a throwaway venv
	@bash "$(ROOT)/tools/check_wheel.sh"

drop-demo: ## drop the demo database, so the next `make demo` starts afresh
	@bash "$(ROOT)/tools/drop-db.sh" "$(DEMO_DB)"

clean: ## remove generated files in .local/ (not the databases)
	rm -rf "$(ROOT)/.local/addons" "$(ROOT)/.local/build" "$(ROOT)/.local/dist" \
		"$(ROOT)/.local/log" "$(ROOT)/.local/pytest_cache"
