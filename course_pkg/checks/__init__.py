"""course_pkg.checks: the diagnostics that graded notebooks and the autograder share.

In a notebook::

    import course_pkg.checks as check
    check.rnn_step_backward(rnn_step_backward)              # visible tests
    check.rnn_step_backward(rnn_step_backward, N=1, seed=7)  # hidden tests: other sizes/seeds

Visible mode (default) compares with :mod:`course_pkg.reference` and raises ``AssertionError``
naming every wrong output with a hint; capture mode (``COURSE_CHECK_CAPTURE_DIR`` set) records
the outputs as JSON + ``.npz`` for the autograder's trusted side, which calls
:func:`compare_outputs`. See :mod:`course_pkg.checks.core` and :mod:`course_pkg.checks.capture`.

Checks of each assignment live in their own module (``rnn_from_scratch``, ``lstm_and_gru``,
``seq2seq_attention``, ``sequence_models``).
Only NumPy is imported here; Keras is imported when a Keras cell is checked, and
:mod:`course_pkg.reference` lazily, in visible mode.
"""

from course_pkg.checks import capture
from course_pkg.checks.core import (
    CAPTURE_ENV,
    Check,
    OutputFormatError,
    compare_outputs,
    error_message,
    get_check,
    register,
    registered_checks,
)
from course_pkg.checks.lstm_and_gru import (
    gradient_norms,
    gru_step_forward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    peephole_lstm_cell,
    vanishing_experiment,
)
from course_pkg.checks.rnn_from_scratch import (
    clip_by_global_norm,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    sample_next_char,
)
from course_pkg.checks.seq2seq_attention import (
    attention,
    attention_backward,
    attention_keras,
    beam_search,
    decoder_step,
    masked_softmax,
    score_additive,
    score_dot,
    score_general,
)
from course_pkg.checks.sequence_models import (
    build_tagger,
    ctc_forward,
    ctc_greedy_decode,
    make_windows,
    persistence_baseline,
    train_tagger,
)
from course_pkg.checks.values import value

__all__ = [
    "CAPTURE_ENV",
    "Check",
    "OutputFormatError",
    "attention",
    "attention_backward",
    "attention_keras",
    "beam_search",
    "build_tagger",
    "capture",
    "clip_by_global_norm",
    "compare_outputs",
    "ctc_forward",
    "ctc_greedy_decode",
    "decoder_step",
    "error_message",
    "get_check",
    "gradient_norms",
    "gru_step_forward",
    "lstm_forward",
    "lstm_step_backward",
    "lstm_step_forward",
    "make_windows",
    "masked_softmax",
    "peephole_lstm_cell",
    "persistence_baseline",
    "register",
    "registered_checks",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sample_next_char",
    "score_additive",
    "score_dot",
    "score_general",
    "train_tagger",
    "value",
    "vanishing_experiment",
]
