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

.PHONY: setup book book-clean test assignments grade bench

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

# Run every test; builds the book first when it has not been built yet. The Keras tests run
# again on the JAX and the PyTorch backends: the cells, the shared training loop, the application
# models and every application recipe (test preset, two devices, kill and resume; on PyTorch,
# which Keras cannot train data parallel, the two-device run must stop with a clear error).
KERAS_TESTS := tests/test_cells_*.py tests/test_training.py tests/test_models_applications.py \
  tests/test_recipes_applications.py
test: setup _build/html/.built
	$(BIN)/pytest
	KERAS_BACKEND=jax $(BIN)/pytest -m keras -p no:cacheprovider $(KERAS_TESTS)
	KERAS_BACKEND=torch $(BIN)/pytest -m keras -p no:cacheprovider $(KERAS_TESTS)

# Lint each source notebook (markers against nbgrader metadata), generate the student release
# from it and check that the source scores full marks and the release scores zero.
assignments: setup
	@for a in $(ASSIGNMENTS); do $(PY) -m autograder lint --assignment $$a && \
	  $(PY) -m autograder release --assignment $$a || exit 1; done

grade: setup
	$(PY) -m autograder grade --assignment $(ASSIGNMENT) $(SUBMISSIONS)

bench: setup
	$(PY) -m benchmarks.run_all
