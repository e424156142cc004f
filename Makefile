# The two commands of the README: `make run` and `make test`.
# Everything they need is installed here, so a fresh clone on a fresh machine works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM := /usr/bin/chromium
CORPORA := .cache/agent-corpora

.PHONY: run test install install-test browser java deploy-tools lint format clean

# The stamp files make repeat runs fast: pip only runs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml package.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test node_modules/.installed $(CORPORA)/.installed

# Public User-Agent corpora for the reader/bot classifier's test and benchmark
# (benchmarks/agent_corpora.py): the test fixtures of two PyPI source
# distributions, hash-checked, downloaded only, never installed. The npm
# corpora come with package.json.
$(CORPORA)/.installed: benchmarks/corpora-requirements.txt | $(VENV)/.installed
	$(BIN)/python -m pip download --quiet --no-deps --no-binary :all: \
	  --require-hashes -r benchmarks/corpora-requirements.txt -d $(CORPORA)
	touch $@

# The test tools from npm, pinned in package-lock.json: axe-core for the
# accessibility checks in the browser tests, vnu-jar (the W3C Nu HTML checker)
# for the HTML validity test. vnu.jar runs on Java, so Java comes first; no
# install scripts: vnu-jar's would only fetch a Java runtime of its own.
node_modules/.installed: package.json package-lock.json | java
	npm ci --silent --no-audit --no-fund --ignore-scripts
	touch $@

# Debian's Chromium drives the browser tests (Playwright's own download does not work here).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium package for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "error: could not install the Debian package 'chromium'"; exit 1; }; \
	  else \
	    echo "error: browser tests need Debian's 'chromium' package: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

# Java runs the W3C Nu HTML checker (node_modules/vnu-jar) in tests/test_html_valid.py.
java:
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's default-jre-headless package for the HTML checker..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	      || { echo "error: could not install the Debian package 'default-jre-headless'"; exit 1; }; \
	  else \
	    echo "error: the HTML checker needs Java: sudo apt-get install default-jre-headless"; exit 1; \
	  fi; \
	fi

# Caddy and nginx (and openssl for a test certificate) check the shipped deploy/
# files; systemd-analyze (Debian's systemd package) verifies the units; sudo and
# git run deploy/webapp as an owner would (tests/test_deploy_helper.py);
# openssh-server's sshd takes the SFTP replica in tests/test_replication.py.
DEPLOY_TOOLS := /usr/bin/caddy:caddy /usr/sbin/nginx:nginx /usr/bin/openssl:openssl \
	/usr/bin/systemd-analyze:systemd /usr/bin/sudo:sudo /usr/bin/git:git \
	/usr/sbin/sshd:openssh-server
deploy-tools:
	@missing=""; for pair in $(DEPLOY_TOOLS); do \
	  [ -x "$${pair%%:*}" ] || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's$$missing for the deploy tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || { echo "error: could not install the Debian packages:$$missing"; exit 1; }; \
	  else \
	    echo "error: the deploy tests need Debian's$$missing: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# A local secret key, generated once and kept out of git (production sets FLASK_SECRET_KEY).
instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

# Local serving only: plain HTTP on loopback, so the session cookie may travel
# without HTTPS. Production sets its own environment (docs/deploy.md).
LOCAL_ENV = FLASK_SECRET_KEY="$$(cat instance/secret_key)" FLASK_SESSION_COOKIE_SECURE=false

run: install instance/secret_key
	$(LOCAL_ENV) $(FLASK) migrate
	@$(LOCAL_ENV) $(FLASK) init-password --url http://$(HOST):$(PORT)/stats
	@echo
	@echo "  Serving the article at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo
	$(LOCAL_ENV) $(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT)

test: java install-test browser deploy-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules .cache .pytest_cache .ruff_cache
