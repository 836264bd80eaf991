# Two commands do everything on a fresh machine:
#   make demo   virtualenv, install, migrate, demo data, serve http://127.0.0.1:8000 (SQLite, tasks in-process)
#   make test   virtualenv, install, the whole test suite (Postgres/Redis when DATABASE_URL/REDIS_URL are set)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
BANK_PORT ?= 8765
PYTEST_ARGS ?=

.PHONY: demo test install messages lint bench worker beat bank clean worker-payout worker-clearing worker-imports worker-discovery worker-default

# Without DJANGO_SETTINGS_MODULE, manage.py/wsgi/celery run the production profile (it needs secrets):
# these targets choose the development profile, `make test` the test profile, explicitly.
demo worker beat bench bank messages worker-payout worker-clearing worker-imports worker-discovery worker-default: export DJANGO_SETTINGS_MODULE ?= portal.settings.base
test: export DJANGO_SETTINGS_MODULE = portal.settings.test

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null

# The demo pays through the bank simulator (its own process and ledger in var/bank) and runs the bank
# exchange every 5 s beside the server; Ctrl-C stops all three.
demo: export PORTAL_PAYMENT_CHANNEL = bank_file
demo: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "门户地址 Portal: http://$(HOST):$(PORT)/   API 文档: http://$(HOST):$(PORT)/api/docs/   模拟银行: http://127.0.0.1:$(BANK_PORT)/ledger"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) -m banksim serve --root var/bank --http 127.0.0.1:$(BANK_PORT) & \
	$(PY) manage.py bank_exchange --every 5 & \
	$(PY) manage.py runserver $(HOST):$(PORT)

bank: install
	$(PY) -m banksim serve --root var/bank --http 127.0.0.1:$(BANK_PORT)

test: install messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

worker: install
	$(VENV)/bin/celery -A portal worker -l info

beat: install
	$(VENV)/bin/celery -A portal beat -l info

# A worker node of one kind (README "A fleet"): its own queue, node name and concurrency.
worker-payout: install
	$(VENV)/bin/celery -A portal worker -Q payout -n payout@%h -c $(or $(CONCURRENCY),2) -l info
worker-clearing: install
	$(VENV)/bin/celery -A portal worker -Q clearing -n clearing@%h -c $(or $(CONCURRENCY),1) -l info
worker-imports: install
	$(VENV)/bin/celery -A portal worker -Q imports -n imports@%h -c $(or $(CONCURRENCY),2) -l info
worker-discovery: install
	$(VENV)/bin/celery -A portal worker -Q discovery -n discovery@%h -c $(or $(CONCURRENCY),1) -l info
worker-default: install
	$(VENV)/bin/celery -A portal worker -Q default -n default@%h -c $(or $(CONCURRENCY),4) -l info

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
