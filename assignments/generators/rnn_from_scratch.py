"""Write assignments/source/rnn_from_scratch/rnn_from_scratch.ipynb (the instructor version).

The committed notebook is the artefact; this script is how it is kept tidy. Run it from the
repository root after editing the text below, then regenerate the release::

    .venv/bin/python assignments/generators/rnn_from_scratch.py
    .venv/bin/python -m autograder release --assignment rnn_from_scratch

Cell kinds (see assignments/README.md):

- answer cells start with ``# graded-cell: <grade_id>`` and carry nbgrader metadata
  ``solution=true, grade=false``; the solution sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``;
- test cells start with ``# graded-test: <grade_id>``, carry ``grade=true, locked=true`` and
  points, and contain only calls into ``course_pkg.checks`` (hidden ones inside
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbformat import NotebookNode  # noqa: E402
from notebook_cells import COLAB, answer, build_notebook, md, readonly, test, write_notebook  # noqa: E402


NAME = "rnn_from_scratch"
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "source" / NAME / f"{NAME}.ipynb"


INTRO = r"""
# Assignment: a recurrent neural network from scratch

In this assignment you write a vanilla RNN in NumPy, forward **and** backward, then the two
pieces every character model needs: gradient clipping and sampling with a temperature.

**You will learn to**

1. compute one RNN step and its gradients by hand, from the saved output of the tanh;
2. unroll the step over a sequence and run backpropagation through time (BPTT);
3. clip gradients by their global norm;
4. turn logits into characters with a temperature and a seeded random generator.

**Conventions** (the same in the whole course): batch first, row-vector weights as Keras
stores them,

$$h_t = \tanh(x_t W + h_{t-1} U + b), \qquad x_t \in \mathbb{R}^{N\times D},\;
h_t \in \mathbb{R}^{N\times H},\; W \in \mathbb{R}^{D\times H},\; U \in \mathbb{R}^{H\times H},\;
b \in \mathbb{R}^{H}.$$

**How you are graded.** Write your code in the cells that start with `# graded-cell: ...` and
only between the lines marked for you; keep that first comment line and the function names.
After each answer cell, a test cell calls a check from `course_pkg.checks`: it names the
output that is wrong and gives a hint. When you are graded, hidden tests call the same checks
with other sizes, seeds and edge cases (a single time step, a batch of one). Use NumPy only:
answers that call `course_pkg.reference` (the course's own implementation) score zero.
The whole notebook runs in a few seconds on a CPU.
"""

IMPORTS = r"""
import numpy as np

import course_pkg.checks as check

np.set_printoptions(precision=4, suppress=True)
"""

STEP_FORWARD_MD = r"""
## 1. One step forward

A vanilla RNN cell mixes the current input with the previous state and squashes the result:

$$a_t = x_t W + h_{t-1} U + b, \qquad h_t = \tanh(a_t).$$

| name | shape | meaning |
|---|---|---|
| `x` | (N, D) | inputs of the N sequences at this step |
| `h_prev` | (N, H) | previous hidden state $h_{t-1}$ |
| `W` | (D, H) | input weights |
| `U` | (H, H) | recurrent weights |
| `b` | (H,) | bias, broadcast over the batch |
| `h_next` | (N, H) | new hidden state $h_t$ |

The function also returns a **cache**, the tuple `(x, h_prev, W, U, b, h_next)`: everything
the backward pass needs. It is already written for you.

*Hint:* one line. `x @ W` has shape (N, H); so has `h_prev @ U`; adding `b` broadcasts.
"""

STEP_FORWARD = r'''
def rnn_step_forward(x, h_prev, W, U, b):
    """One step of a vanilla RNN: h_next = tanh(x @ W + h_prev @ U + b).

    Args:
        x: input at this step, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        h_next: new hidden state, shape (N, H).
        cache: the tuple (x, h_prev, W, U, b, h_next) for rnn_step_backward.
    """
    ### BEGIN SOLUTION
    h_next = np.tanh(x @ W + h_prev @ U + b)
    ### END SOLUTION
    cache = (x, h_prev, W, U, b, h_next)
    return h_next, cache
'''

STEP_BACKWARD_MD = r"""
## 2. One step backward

Given $\partial L / \partial h_t$ (`dh_next`), go back through the tanh first. Its derivative
is written with the saved **output**, $\tanh'(a) = 1 - \tanh(a)^2 = 1 - h_t^2$:

$$\delta_t = \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2).$$

Then each term of $a_t = x_t W + h_{t-1} U + b$ gets its share:

$$\frac{\partial L}{\partial x_t} = \delta_t W^\top,\quad
\frac{\partial L}{\partial h_{t-1}} = \delta_t U^\top,\quad
\frac{\partial L}{\partial W} = x_t^\top \delta_t,\quad
\frac{\partial L}{\partial U} = h_{t-1}^\top \delta_t,\quad
\frac{\partial L}{\partial b} = \sum_{n} \delta_{t,n}.$$

Every gradient has the shape of the thing it is the gradient of: `dx` (N, D), `dh_prev` (N, H),
`dW` (D, H), `dU` (H, H), `db` (H,). Matching shapes is a good way to find where a transpose
goes. The products $x_t^\top \delta_t$ already sum over the batch.
"""

STEP_BACKWARD = r'''
def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    Args:
        dh_next: gradient of the loss with respect to h_next, shape (N, H).
        cache: the tuple (x, h_prev, W, U, b, h_next) from rnn_step_forward.

    Returns:
        dx (N, D), dh_prev (N, H), dW (D, H), dU (H, H), db (H,).
    """
    x, h_prev, W, U, b, h_next = cache
    ### BEGIN SOLUTION
    dz = dh_next * (1.0 - h_next ** 2)
    dx = dz @ W.T
    dh_prev = dz @ U.T
    dW = x.T @ dz
    dU = h_prev.T @ dz
    db = dz.sum(axis=0)
    ### END SOLUTION
    return dx, dh_prev, dW, dU, db
'''

FORWARD_MD = r"""
## 3. A whole sequence forward

Unrolling the cell over $T$ steps applies **the same** $W, U, b$ at every step, starting
from a given $h_0$:

$$h_t = \tanh(x_t W + h_{t-1} U + b), \qquad t = 1, \dots, T.$$

| name | shape |
|---|---|
| `x` | (N, T, D) — batch first: `x[:, t, :]` is the input at step t |
| `h0` | (N, H) |
| `h` | (N, T, H) — every hidden state, `h[:, t, :]` after step t |
| `cache` | a list of the T step caches, in time order |

*Hint:* call your `rnn_step_forward` in a loop; it is fine (and clearer) to loop over time.
"""

FORWARD = r'''
def rnn_forward(x, h0, W, U, b):
    """Run a vanilla RNN over a whole sequence.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        h: hidden states of every step, shape (N, T, H).
        cache: list of the T step caches from rnn_step_forward.
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    ### BEGIN SOLUTION
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t, :], h_t, W, U, b)
        h[:, t, :] = h_t
        cache.append(step_cache)
    ### END SOLUTION
    return h, cache
'''

BACKWARD_MD = r"""
## 4. Backpropagation through time

`dh[:, t, :]` is the gradient that reaches $h_t$ **from above** (from the loss at step t).
But $h_t$ also feeds $h_{t+1}$, so the total gradient at step $t$ is

$$\frac{\partial L}{\partial h_t} = \underbrace{dh_t}_{\text{from the loss}} +
\underbrace{\frac{\partial L}{\partial h_{t+1}}\frac{\partial h_{t+1}}{\partial h_t}}_{\text{dh\_prev of step } t+1}.$$

Walk backwards, $t = T, \dots, 1$, feeding each step that total. Because $W$, $U$ and $b$
are **shared** by all steps, their gradients are the **sums** over time of the step gradients:

$$\frac{\partial L}{\partial U} = \sum_{t=1}^{T} h_{t-1}^\top \delta_t \quad\text{(and likewise for } W, b\text{)}.$$

`dh0` is the `dh_prev` that comes out of the first step. Shapes: `dx` (N, T, D), `dh0` (N, H),
`dW` (D, H), `dU` (H, H), `db` (H,).

*Hint:* the code before the marked region prepares zero arrays to accumulate into, and the
gradient flowing in from the future, which is zero after the last step.
"""

BACKWARD = r'''
def rnn_backward(dh, cache):
    """Backpropagation through time for a vanilla RNN.

    Args:
        dh: gradient of the loss with respect to every hidden state, shape (N, T, H).
        cache: the list of step caches returned by rnn_forward.

    Returns:
        dx (N, T, D), dh0 (N, H), dW (D, H), dU (H, H), db (H,).
    """
    N, T, H = dh.shape
    x0, _, W, U, b, _ = cache[0]
    D = x0.shape[1]
    dx = np.zeros((N, T, D))
    dW = np.zeros_like(W)
    dU = np.zeros_like(U)
    db = np.zeros_like(b)
    dh_next = np.zeros((N, H))  # gradient arriving from step t + 1
    ### BEGIN SOLUTION
    for t in reversed(range(T)):
        dx_t, dh_next, dW_t, dU_t, db_t = rnn_step_backward(dh[:, t, :] + dh_next, cache[t])
        dx[:, t, :] = dx_t
        dW += dW_t
        dU += dU_t
        db += db_t
    dh0 = dh_next
    ### END SOLUTION
    return dx, dh0, dW, dU, db
'''

CLIP_MD = r"""
## 5. Clipping by the global norm

Through many steps, gradients can explode (the product of many $U^\top$ and tanh
derivatives). Clipping by the **global norm** rescales all gradients together, which keeps
the direction of the whole update:

$$g = \sqrt{\sum_{k} \lVert G_k \rVert_F^2}, \qquad
G_k \leftarrow G_k \cdot \frac{\text{max\_norm}}{g} \quad\text{only if } g > \text{max\_norm}.$$

`grads` is a dict such as `{"dW": dW, "dU": dU, "db": db}`. Return a **new** dict with the
same keys (do not modify the arrays you were given) and $g$ as a float, computed before
clipping. When $g \le$ `max_norm` the gradients come back unchanged; mind the case where all
gradients are zero.
"""

CLIP = r'''
def clip_by_global_norm(grads, max_norm):
    """Rescale a dict of gradients so that their global norm is at most max_norm.

    Args:
        grads: dict name -> array (any shapes).
        max_norm: positive float.

    Returns:
        clipped: a new dict with the same keys and shapes.
        global_norm: float, the norm of all gradients together before clipping.
    """
    ### BEGIN SOLUTION
    global_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    scale = max_norm / global_norm if global_norm > max_norm else 1.0
    clipped = {name: g * scale for name, g in grads.items()}
    ### END SOLUTION
    return clipped, global_norm
'''

SAMPLE_MD = r"""
## 6. Sampling the next character

A character model ends with logits $y_t = h_t V + c$ over a vocabulary of $V$ characters.
To generate text we turn them into probabilities with a **temperature** $\tau > 0$ and draw:

$$p_i = \frac{\exp(y_i / \tau)}{\sum_j \exp(y_j / \tau)}.$$

A small $\tau$ sharpens the distribution towards the most likely character; a large $\tau$
flattens it towards uniform. Dividing by a small $\tau$ makes huge numbers: subtract each row's
maximum before `np.exp` (the probabilities do not change, and nothing overflows).

To make the draw reproducible, and identical to the grader's, use the generator you are given
**exactly once**: `u = rng.random(N)`, one uniform number per row; then `idx[i]` is the first
index whose cumulative probability exceeds `u[i]` (inverse-CDF sampling, what
`rng.choice(V, p=p[i])` does for a single row).

Shapes: `logits` (N, V), `probs` (N, V), `idx` (N,) integers.

*Hint:* `np.cumsum(probs, axis=1)` gives the cumulative probabilities; counting how many of
them are `<= u[i]` gives the index (keep it at most V - 1 in case of rounding).
"""

SAMPLE = r'''
def sample_next_char(logits, temperature, rng):
    """Draw one character index per row from softmax(logits / temperature).

    Args:
        logits: unnormalised scores, shape (N, V).
        temperature: positive float.
        rng: a numpy.random.Generator; call rng.random(N) exactly once.

    Returns:
        probs: softmax(logits / temperature) along the last axis, shape (N, V).
        idx: the drawn indices, integer array of shape (N,).
    """
    ### BEGIN SOLUTION
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    probs = e / e.sum(axis=1, keepdims=True)
    u = rng.random(logits.shape[0])
    cdf = np.cumsum(probs, axis=1)
    idx = np.minimum((cdf <= u[:, None]).sum(axis=1), probs.shape[1] - 1)
    ### END SOLUTION
    return probs, idx
'''

OUTRO = r"""
## What you have built

Put together, these pieces are a whole character language model: `rnn_forward` over a batch
of one-hot characters, logits $h_t V + c$ and a cross-entropy loss, `rnn_backward`, a clipped
gradient step, and `sample_next_char` in a loop to generate text. The course's chapter on
character models trains exactly that, and then compares it with Keras' `SimpleRNN`.

Before you submit: *Kernel → Restart & Run All*, check that every test cell prints a line
ending in "match", and download the notebook (`File → Download → .ipynb`).
"""


def build() -> NotebookNode:
    """The instructor notebook, cell by cell."""
    cells = [
        md(INTRO),
        readonly("colab_install", COLAB),
        readonly("imports", IMPORTS),
        md(STEP_FORWARD_MD),
        answer("rnn_step_forward", STEP_FORWARD),
        test("test_rnn_step_forward", 2, "check.rnn_step_forward(rnn_step_forward)"),
        test("test_rnn_step_forward_hidden", 2, """
check.rnn_step_forward(rnn_step_forward, N=1, D=2, H=3, seed=1234)
check.rnn_step_forward(rnn_step_forward, N=6, D=3, H=7, seed=7)
""", hidden=True),
        md(STEP_BACKWARD_MD),
        answer("rnn_step_backward", STEP_BACKWARD),
        test("test_rnn_step_backward", 3, "check.rnn_step_backward(rnn_step_backward)"),
        test("test_rnn_step_backward_hidden", 3, """
check.rnn_step_backward(rnn_step_backward, N=1, D=2, H=3, seed=1234)
check.rnn_step_backward(rnn_step_backward, N=4, D=6, H=2, seed=5)
""", hidden=True),
        md(FORWARD_MD),
        answer("rnn_forward", FORWARD),
        test("test_rnn_forward", 2, "check.rnn_forward(rnn_forward)"),
        test("test_rnn_forward_hidden", 2, """
check.rnn_forward(rnn_forward, N=1, T=1, D=2, H=3, seed=1234)
check.rnn_forward(rnn_forward, N=3, T=7, D=2, H=4, seed=11)
""", hidden=True),
        md(BACKWARD_MD),
        answer("rnn_backward", BACKWARD),
        test("test_rnn_backward", 3, "check.rnn_backward(rnn_backward)"),
        test("test_rnn_backward_hidden", 5, """
check.rnn_backward(rnn_backward, N=3, T=1, D=2, H=4, seed=21)
check.rnn_backward(rnn_backward, N=1, T=5, D=3, H=2, seed=22)
check.rnn_backward(rnn_backward, N=4, T=10, D=5, H=6, seed=23)
""", hidden=True),
        md(CLIP_MD),
        answer("clip_by_global_norm", CLIP),
        test("test_clip_by_global_norm", 2, "check.clip_by_global_norm(clip_by_global_norm)"),
        test("test_clip_by_global_norm_hidden", 2, """
check.clip_by_global_norm(clip_by_global_norm, max_norm=100.0, seed=3)
check.clip_by_global_norm(clip_by_global_norm, grad_scale=0.0, seed=4)
check.clip_by_global_norm(clip_by_global_norm, D=2, H=3, max_norm=0.5, grad_scale=10.0, seed=5)
""", hidden=True),
        md(SAMPLE_MD),
        answer("sample_next_char", SAMPLE),
        test("test_sample_next_char", 2, "check.sample_next_char(sample_next_char)"),
        test("test_sample_next_char_hidden", 2, """
check.sample_next_char(sample_next_char, N=1, V=5, seed=31)
check.sample_next_char(sample_next_char, temperature=0.01, logit_scale=20.0, seed=32)
check.sample_next_char(sample_next_char, N=8, V=30, temperature=5.0, seed=33)
""", hidden=True),
        md(OUTRO),
    ]
    return build_notebook(cells)


def main(argv: list[str] | None = None) -> int:
    return write_notebook(build(), TARGET)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
