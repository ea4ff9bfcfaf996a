"""course_pkg.plots: every figure of the book, one module per kind of figure.

- ``style``: the shared palette, rcParams and figure factory.
- ``unrolled``: computational graphs (input/output patterns, folded and unrolled RNNs, TBPTT).
- ``gradients``: gradient norms against distance in time, gradient clipping.
- ``training``: loss curves, and the per-epoch learning curves of the application recipes.
- ``gates``: gate values of a trained LSTM/GRU over a real sequence (traces, heat maps).
- ``cell_diagram``: the inside of one LSTM (vanilla, peephole, coupled) or GRU step.
- ``architectures``: deep (stacked) and bidirectional RNNs, clockwork RNN schedules.
- ``dependencies``: arcs from a deciding word to the word it decides (long-term dependencies).
- ``experiments``: learning curves with a spread over seeds, final scores per run.
- Application chapters: ``sentiment`` (snippet lengths, the prediction word by word),
  ``slot_filling`` (tag grids, targeted-set accuracy), ``attention`` (attention heat maps),
  ``music`` (piano rolls), ``time_series`` (forecasts against the truth, error by horizon, stock
  direction), ``speech`` (CTC alignments and posteriors, digit strips), ``captioning`` (scenes,
  attention over the image, image-injection runs), ``video`` (frame strips, confusion matrices,
  frame labels, sensor series), ``claims`` (the lectures' claims measured: exploding weights,
  dilations, the "Teddy" tagger), ``literature`` (applications by input/output pattern, cited
  results), ``after_rnns`` (cost against length, streaming cost).

Every function returns a ``matplotlib.figure.Figure``; in a notebook the inline backend shows it
at the end of the cell (assign it, ``fig = ...``, so it is not shown twice).
"""

from .architectures import draw_bidirectional, draw_deep_rnn, plot_clockwork_schedule
from .cell_diagram import GRU_CONVENTIONS, LSTM_DIAGRAMS, draw_gru_cell, draw_lstm_cell
from .dependencies import draw_dependencies
from .after_rnns import MODEL_LABELS, plot_accuracy_curves, plot_cost_vs_length, plot_streaming_cost
from .attention import plot_attention, plot_attention_examples
from .captioning import plot_caption_attention, plot_injection_runs, plot_scenes
from .claims import plot_dilations, plot_explosion, plot_teddy
from .experiments import plot_final_scores, plot_learning_curves
from .gates import plot_gate_heatmap, plot_gate_traces
from .gradients import plot_clipping, plot_gradient_norms
from .literature import draw_application_map, plot_literature_results
from .music import plot_piano_rolls
from .sentiment import plot_snippet_lengths, plot_word_by_word
from .speech import plot_alignments, plot_ctc_posteriors, plot_digit_strips
from .slot_filling import (
    SLOT_COLORS,
    plot_tag_grid,
    plot_tag_grids,
    plot_tagger_curves,
    plot_targeted_accuracy,
)
from .style import COLORS, course_style, new_figure
from .time_series import (
    plot_direction_accuracy,
    plot_error_by_horizon,
    plot_forecasts,
    plot_multi_step_examples,
    plot_series_overview,
)
from .training import plot_history, plot_loss_curve, smooth
from .video import plot_confusion, plot_frame_labels, plot_frame_strips, plot_sensor_series
from .unrolled import (
    PATTERNS,
    draw_folded_and_unrolled,
    draw_patterns,
    draw_tbptt,
    draw_unrolled,
    edge_gids,
    node_gids,
    tbptt_windows,
)

__all__ = [
    "COLORS", "course_style", "new_figure",
    "PATTERNS", "draw_unrolled", "draw_patterns", "draw_folded_and_unrolled", "draw_tbptt",
    "tbptt_windows", "node_gids", "edge_gids",
    "plot_gradient_norms", "plot_clipping",
    "plot_loss_curve", "plot_history", "smooth",
    "plot_gate_traces", "plot_gate_heatmap",
    "LSTM_DIAGRAMS", "GRU_CONVENTIONS", "draw_lstm_cell", "draw_gru_cell",
    "draw_deep_rnn", "draw_bidirectional", "plot_clockwork_schedule",
    "draw_dependencies",
    "plot_learning_curves", "plot_final_scores",
    "plot_snippet_lengths", "plot_word_by_word",
    "SLOT_COLORS", "plot_tag_grid", "plot_tag_grids", "plot_tagger_curves", "plot_targeted_accuracy",
    "plot_piano_rolls", "plot_attention", "plot_attention_examples",
    "MODEL_LABELS", "plot_cost_vs_length", "plot_streaming_cost", "plot_accuracy_curves",
    "plot_series_overview", "plot_forecasts", "plot_multi_step_examples", "plot_error_by_horizon",
    "plot_direction_accuracy",
    "plot_alignments", "plot_ctc_posteriors", "plot_digit_strips",
    "plot_scenes", "plot_caption_attention", "plot_injection_runs",
    "plot_frame_strips", "plot_confusion", "plot_frame_labels", "plot_sensor_series",
    "draw_application_map", "plot_literature_results",
    "plot_explosion", "plot_dilations", "plot_teddy",
]
