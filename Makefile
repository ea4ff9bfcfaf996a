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

.PHONY: setup book book-clean test test-serial assignments grade bench

setup:
	@bash tools/setup.sh

# Build the website into _build/html (every page executes; zero warnings allowed). The pages
# execute BOOK_JOBS at a time into the build's own execution cache first (tools/execute_book.py);
# the build then renders them from it.
BOOK_JOBS ?= 2
book: setup
	$(PY) tools/execute_book.py --jobs $(BOOK_JOBS)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@touch _build/html/.built

# CI and a clean rebuild: no execution cache, no stale pages.
book-clean:
	rm -rf _build

_build/html/.built:
	$(MAKE) book

# Run every test; builds the book first when it has not been built yet. The whole suite runs on
# TensorFlow (two xdist workers), then the Keras tests again on JAX and on PyTorch, side by side:
# two processes at a time, one per core (tools/run_tests.py says which tests and why; logs in
# _build/test-logs/). `make test-serial` runs one process at a time.
test: setup _build/html/.built
	$(PY) tools/run_tests.py

test-serial: setup _build/html/.built
	$(PY) tools/run_tests.py --serial

# Lint each source notebook (markers against nbgrader metadata), generate the student release
# from it and check that the source scores full marks and the release scores zero.
assignments: setup
	@for a in $(ASSIGNMENTS); do $(PY) -m autograder lint --assignment $$a && \
	  $(PY) -m autograder release --assignment $$a || exit 1; done

grade: setup
	$(PY) -m autograder grade --assignment $(ASSIGNMENT) $(SUBMISSIONS)

bench: setup
	$(PY) -m benchmarks.run_all
