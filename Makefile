# Seller Bot: every target installs what it needs first (uv, the workspace venv, generated protos).
SHELL := /bin/bash
UV_VERSION := 0.13.9
export PATH := $(HOME)/.local/bin:$(PATH)
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
PROTO_FILES := $(shell find proto -name '*.proto')
PROTO_STAMP := libs/protos/sellerbot/__init__.py

.PHONY: run test test-fast proto lint typecheck bench eval screenshots fuzz frontend install clean chromium wrk help

help:
	@echo "make run    - start the whole stack on http://127.0.0.1:$${GATEWAY_PORT:-8000} (REPLICAS=\"chatbot=2 ...\")"
	@echo "make test   - run every test (services, gateway, libs, end-to-end)"
	@echo "make proto  - regenerate Python code from proto/"
	@echo "make lint   - ruff"
	@echo "make typecheck - mypy over every package"
	@echo "make bench  - benchmarks, written to docs/benchmarks.md"
	@echo "make eval   - chatbot answer accuracy per category (offline and LLM path), tuning and held-out dialogues"
	@echo "make screenshots - the dashboard's views against the running stack, saved in frontend/docs/screenshots/"
	@echo "make fuzz   - schemathesis against a fresh stack for FUZZ_SECONDS (default 900; make test runs 120)"

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock $(wildcard */pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml)
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced $(PROTO_STAMP)

$(PROTO_STAMP): .venv/.synced $(PROTO_FILES) libs/protos/build_protos.py
	$(PY) libs/protos/build_protos.py

proto: .venv/.synced
	$(PY) libs/protos/build_protos.py

chromium:
	@command -v /usr/bin/chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

frontend:
	@if [ -f frontend/package.json ]; then cd frontend && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund) && npm run build; fi

# make run REPLICAS="chatbot=2 channel-adapter=2" (or CHATBOT_REPLICAS=2 ...): several replicas of a gRPC service
run: install chromium frontend
	$(PY) -m sellerbot_devstack run $(if $(REPLICAS),--replicas $(REPLICAS))

test: install chromium frontend
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -q -m "not browser" $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .

TYPED_PACKAGES := gateway/api_gateway $(wildcard libs/*/sellerbot_*) devstack/sellerbot_devstack fakes/sellerbot_fakes \
	services/automation/automation services/chatbot/chatbot services/channel-adapter/channel_adapter \
	services/notification/notification

typecheck: install
	.venv/bin/mypy $(TYPED_PACKAGES)

bench: install chromium wrk
	$(PY) -m sellerbot_devstack bench

eval: install
	$(PY) -m chatbot.evaluate_answers --quiet

# The real-stack browser tests (one stack for both), saving a screenshot of each view on the way; pictures of
# views that are no longer taken are removed first
screenshots: install chromium frontend
	rm -f frontend/docs/screenshots/*.png
	SCREENSHOTS_DIR=$(CURDIR)/frontend/docs/screenshots $(PY) -m pytest -q tests-e2e/test_contacts_browser.py \
		tests-e2e/test_inbox_browser.py

# The OpenAPI fuzz test of make test, with a longer budget (tests-e2e/schemathesis.toml has its settings)
FUZZ_SECONDS ?= 900
fuzz: install frontend
	SELLERBOT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(PY) -m pytest -q tests-e2e/test_openapi_fuzz.py

clean:
	rm -rf .venv libs/protos/sellerbot .data .pytest_cache
