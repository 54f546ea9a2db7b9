# The user's interface: every target bootstraps .venv on first use (and again when pyproject.toml changes).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
SC := $(VENV)/bin/stackcheck
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,19,20,21,23
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: venv synth scan gate test unit integration deploy-local destroy-local deploy drift compliance bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(STAMP)

synth: $(STAMP)
	$(SC) synth

scan: synth
	$(SC) scan --assembly cdk.out

unit: synth
	$(PY) -m pytest tests/unit -n $(PYTEST_WORKERS)

test: unit

gate: scan

clean:
	rm -rf cdk.out reports cfn-outputs .pytest_cache
