# `make lab`  : set up everything and start JupyterLab on a demo workspace
# `make test` : set up everything and run every test
# `make bench`: run the benchmarks and write docs/benchmarks.md
# `make bench-compare`: the same work side by side with Jupyter AI v3 and the MCP peers (each in its own venv)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
PORT ?= 8888
TEST_SITE := .test-site
WORKSPACE := .demo-workspace
E2E := .e2e
HUB := .hub
CHP_VERSION := 5.3.0
# Today's agents, for `make lab` and the tests (Node 22 from the npm registry where needed) ...
AGENTS := .agents
TODAY_AGENTS := @agentclientprotocol/claude-agent-acp@0.101.0 @agentclientprotocol/codex-acp@2.6.0 @google/gemini-cli@0.61.0
# ... and the legacy pinned ones, which the end-to-end tests run too.
LEGACY_AGENTS := @zed-industries/claude-agent-acp@0.23.1 @zed-industries/codex-acp@0.16.0
V3 := .bench-v3

.PHONY: lab test bench bench-compare bench-first-run install test-setup clean screenshots agents types

FRONTEND := package.json package-lock.json tsconfig.json $(wildcard src/*) $(wildcard style/*)

# The package with JupyterLab (what `make lab` needs); the package build (hatch-jupyter-builder)
# also builds the JupyterLab extension with npm.
$(STAMP): pyproject.toml $(FRONTEND)
	@echo "Python environment in $(VENV)/, with the package and its JupyterLab extension (the frontend build takes a minute the first time) ..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@rm -rf jupyter_ai_personas/labextension
	$(BIN)/pip install --quiet -e ".[lab]"
	@touch $(STAMP)

# What only the tests need (pytest, playwright, the mcp client...), read from pyproject.toml.
$(TEST_STAMP): $(STAMP) pyproject.toml
	@echo "Test dependencies ..."
	@$(BIN)/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['test']))" > $(VENV)/test-requirements.txt
	$(BIN)/pip install --quiet -r $(VENV)/test-requirements.txt
	@touch $@

install: $(STAMP)

# The frontend's message types, generated from the server's pydantic models (message_schema.py)
types: $(STAMP)
	$(BIN)/python scripts/generate_message_types.py

# The fixture persona packages are pip-installed into their own folders, which only the
# test servers put on their path: a `make lab` after `make test` shows no test personas.
$(TEST_SITE)/.installed: $(TEST_STAMP) $(shell find tests/fixture_packages tests/agents -type f -not -path '*/__pycache__/*')
	rm -rf $(TEST_SITE)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --target $(TEST_SITE)/good tests/fixture_packages/good
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --target $(TEST_SITE)/broken tests/fixture_packages/broken
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --force-reinstall tests/agents
	touch $@

# The real agents, each set in a project-local folder of its own (its own npm project, not the
# extension's package.json); nothing is fetched at test time.
agents:
	@echo "Agents (npm registry) in $(AGENTS)/ ..."
	@scripts/install-agents.sh $(AGENTS) $(TODAY_AGENTS)

$(E2E)/legacy/.installed: Makefile
	@echo "Legacy agents for the end-to-end tests in $(E2E)/legacy/ ..."
	@NODE22=no scripts/install-agents.sh $(E2E)/legacy $(LEGACY_AGENTS)

# configurable-http-proxy for the JupyterHub test (JupyterHub itself is a test dependency)
$(HUB)/.installed: Makefile
	@echo "configurable-http-proxy for the JupyterHub test in $(HUB)/ ..."
	@mkdir -p $(HUB)
	@npm install --silent --no-audit --no-fund --prefix $(HUB) configurable-http-proxy@$(CHP_VERSION)
	@touch $@

test-setup: $(TEST_STAMP) $(TEST_SITE)/.installed agents $(E2E)/legacy/.installed $(HUB)/.installed
	./scripts/ensure-chromium.sh

test: test-setup
	$(BIN)/python -m pytest tests -q

bench: test-setup
	$(BIN)/python -m benchmarks.run

# A fresh clone's `make lab`, timed to @Claude's first answer (docs/benchmarks.md).
bench-first-run: test-setup
	$(BIN)/python -m benchmarks.run first_run

# Jupyter AI v3 pins other versions than ours: it gets a virtual environment of its own.
$(V3)/.installed: benchmarks/compare/requirements-v3.txt
	test -x $(V3)/bin/python || $(PYTHON) -m venv $(V3)
	$(V3)/bin/pip install --quiet --upgrade pip
	$(V3)/bin/pip install --quiet -r benchmarks/compare/requirements-v3.txt
	touch $@

# The MCP peers too, each in its own environment (their pins differ from ours and each other's).
.bench-mcp-%/.installed: benchmarks/compare/requirements-mcp-%.txt
	test -x .bench-mcp-$*/bin/python || $(PYTHON) -m venv .bench-mcp-$*
	.bench-mcp-$*/bin/pip install --quiet --upgrade pip
	.bench-mcp-$*/bin/pip install --quiet -r $<
	touch $@

$(VENV)/.bench-installed: $(TEST_STAMP)
	$(BIN)/pip install --quiet "matplotlib>=3.8"
	touch $@

bench-compare: test-setup $(V3)/.installed .bench-mcp-a/.installed .bench-mcp-b/.installed $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run compare mcp_compare

# Refresh the screenshots in docs/ from the browser tests.
screenshots: test-setup
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -q

# The demo's Python persona is trusted by its path and the hash of the committed file: a copy
# changed in the workspace (by an agent, say) waits for a person's /trust like any other.
DEMO_TRUST = $(abspath $(WORKSPACE))/.jupyter/personas/echo.py=$(shell sha256sum demo/.jupyter/personas/echo.py | cut -d' ' -f1)

lab: $(STAMP) agents
	@test -d $(WORKSPACE) || { echo "Demo workspace: copying demo/ to $(WORKSPACE)/"; cp -r demo $(WORKSPACE); }
	@echo "Starting JupyterLab on $(WORKSPACE)/ at port $(PORT), with the agents of $(AGENTS)/ on its PATH."
	@echo "Open the URL printed below (welcome.chat is a good start). To talk to @Claude, set ANTHROPIC_API_KEY"
	@echo "(or OPENAI_API_KEY for @Codex, GEMINI_API_KEY for @Gemini) in this shell, or from Settings > AI Personas."
	PATH="$(abspath $(AGENTS))/node_modules/.bin:$$PATH" $(BIN)/jupyter lab --notebook-dir=$(WORKSPACE) \
		--ServerApp.allow_root=True --no-browser --port=$(PORT) \
		--PersonasExtension.trusted_persona_files='$(DEMO_TRUST)'

clean:
	rm -rf $(VENV) $(TEST_SITE) $(WORKSPACE) $(E2E) $(AGENTS) $(HUB) $(V3) .bench-mcp-a .bench-mcp-b
