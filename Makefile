# One command to run the product, one to test it. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export OMP_NUM_THREADS ?= 1

.PHONY: install run test test-fast eval eval-report clean

$(BIN)/rag: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/rag

install: $(BIN)/rag  ## create .venv and install the project (CPU torch)

run: install  ## index the bundled articles, answer a sample question, then serve the chat on http://127.0.0.1:7860
	$(BIN)/rag index
	$(BIN)/rag ask "Who refused to sign the statement?"
	$(BIN)/rag ui --host 127.0.0.1 --port 7860

test: install  ## the full test suite (what CI runs)
	$(BIN)/python -m pytest -q

test-fast: install  ## skip slow, browser and server tests
	$(BIN)/python -m pytest -q -m "not slow and not browser and not server"

eval: install  ## run the bundled gold set; exits non-zero below evals/thresholds.toml
	$(BIN)/rag --home reports/index eval

eval-report: install  ## the same, plus JSON/Markdown/HTML/JUnit reports in reports/eval/
	$(BIN)/rag --home reports/index eval --report reports/eval

clean:
	rm -rf .rag .pytest_cache
