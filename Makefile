# Thin targets; the logic lives in tools/setup.sh and in Python modules.
# The two commands a newcomer needs:  make book   and   make test
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONUNBUFFERED := 1
ASSIGNMENTS ?= rnn_from_scratch lstm_and_gru seq2seq_attention sequence_models
ASSIGNMENT ?= rnn_from_scratch
SUBMISSIONS ?= submissions

.PHONY: setup book book-clean test test-parallel assignments grade bench

setup:
	@bash tools/setup.sh

# Build the website into _build/html (every page executes; zero warnings allowed). The pages
# execute BOOK_JOBS at a time into the build's own execution cache first (tools/execute_book.py);
# the build then renders them from it. BOOK_RUNTIME=colab (the CI) executes them as Colab would,
# in the Colab stage's runtime, so that one run of each page is both the check and the site.
BOOK_JOBS ?= 2
BOOK_RUNTIME ?= local
book: setup
	$(PY) tools/execute_book.py --jobs $(BOOK_JOBS) --runtime $(BOOK_RUNTIME)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@touch _build/html/.built

# CI and a clean rebuild: no execution cache, no stale pages.
book-clean:
	rm -rf _build

_build/html/.built:
	$(MAKE) book

# Run every test; builds the book first when it has not been built yet. The whole suite runs on
# TensorFlow, its modules spread over two xdist workers, then the Keras tests on JAX and on
# PyTorch side by side; every process of a stage has one compute thread (tools/run_tests.py says
# which tests and what was measured; logs in _build/test-logs/). `make test-parallel` runs the
# three at once with the libraries' own thread counts.
test: setup _build/html/.built
	$(PY) tools/run_tests.py

test-parallel: setup _build/html/.built
	$(PY) tools/run_tests.py --mode together

# Lint each source notebook (markers against nbgrader metadata), generate the student release
# from it and check that the source scores full marks and the release scores zero.
assignments: setup
	@for a in $(ASSIGNMENTS); do $(PY) -m autograder lint --assignment $$a && \
	  $(PY) -m autograder release --assignment $$a || exit 1; done

grade: setup
	$(PY) -m autograder grade --assignment $(ASSIGNMENT) $(SUBMISSIONS)

bench: setup
	$(PY) -m benchmarks.run_all
