"""Write assignments/source/lstm_and_gru/lstm_and_gru.ipynb (the instructor version).

The committed notebook is the artefact; this script is how it is kept tidy. Run it from the
repository root after editing the text below, then regenerate the release::

    .venv/bin/python assignments/generators/lstm_and_gru.py
    .venv/bin/python -m autograder release --assignment lstm_and_gru

The cell builders (answer, test, read-only cells and the Colab install cell) come from
``notebook_cells.py``, so every assignment follows one convention (assignments/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbformat import NotebookNode  # noqa: E402
from notebook_cells import COLAB, answer, build_notebook, md, readonly, test, write_notebook  # noqa: E402

NAME = "lstm_and_gru"
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "source" / NAME / f"{NAME}.ipynb"

INTRO = r"""
# Assignment: LSTM and GRU

The vanilla RNN of the first assignment forgets: its gradients shrink (or blow up) by a factor
at every step. In this assignment you build the two gated cells that fixed it, in NumPy, then
an LSTM variant in Keras, and you measure the vanishing gradient yourself.

**You will learn to**

1. compute one LSTM step, gate by gate, in the order Keras stores the weights (i, f, c, o);
2. backpropagate through an LSTM step and see why the cell state carries gradients far;
3. run the LSTM over a sequence, carrying both $h_t$ and $c_t$;
4. compute one GRU step with Keras's conventions (`reset_after=True`, $h_t = z h_{t-1} + (1-z)\tilde h_t$);
5. write a Keras cell with `keras.ops` only (an LSTM with peephole connections) and match the
   NumPy reference to float32 precision;
6. measure how the gradient of a tanh RNN decays with the distance in time, for recurrent
   matrices of different spectral radius.

**Conventions** (the same in the whole course): batch first, row-vector weights as Keras stores
them, gate blocks side by side in the columns:

$$a_t = x_t W + h_{t-1} U + b, \qquad W \in \mathbb{R}^{D\times 4H},\; U \in \mathbb{R}^{H\times 4H},\;
b \in \mathbb{R}^{4H}, \qquad a_t = [\,a_i \mid a_f \mid a_c \mid a_o\,].$$

**How you are graded.** Write your code in the cells that start with `# graded-cell: ...` and
only between the lines marked for you; keep that first comment line and the names. After each
answer cell, a test cell calls a check from `course_pkg.checks`: it names the output (or the
gate, or the term) that is wrong and gives a hint. When you are graded, hidden tests call the
same checks with other sizes, seeds and edge cases (a single time step, a batch of one). Use
NumPy (and `keras.ops` in part 5) only: answers that call `course_pkg.reference` (the course's
own implementation) score zero. The whole notebook runs in well under a minute on a CPU.
"""

IMPORTS = r"""
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # before Keras is imported: TensorFlow's C++ logs stay quiet

import keras
import numpy as np
from keras import ops

import course_pkg.checks as check

np.set_printoptions(precision=4, suppress=True)
# Start the backend here, so that any one-time start-up message it prints lands in this cell.
_ = ops.convert_to_numpy(ops.zeros((1,)))
print(f"Keras {keras.__version__} on {keras.backend.backend()}")
"""

HELPERS = r'''
def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))
'''

STEP_FORWARD_MD = r"""
## 1. One LSTM step forward

An LSTM carries two states: the hidden state $h_t$ (its output) and the cell state $c_t$ (its
memory). Three sigmoid **gates** decide what the memory forgets, what it takes in and what it
shows; a tanh **candidate** proposes new content. All four come from one product:

$$a_t = x_t W + h_{t-1} U + b = [\,a_i \mid a_f \mid a_c \mid a_o\,]
\qquad\text{(each block has H columns)},$$

$$i_t = \sigma(a_i), \quad f_t = \sigma(a_f), \quad g_t = \tanh(a_c), \quad o_t = \sigma(a_o),$$

$$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$

The block order **i, f, c, o** (input gate, forget gate, candidate, output gate) is the one Keras
uses for `keras.layers.LSTM`'s weights, so the weights you use here load into Keras unchanged.

| name | shape | meaning |
|---|---|---|
| `x` | (N, D) | inputs at this step |
| `h_prev`, `c_prev` | (N, H) | previous hidden and cell states |
| `W` | (D, 4H) | input weights, blocks i, f, c, o |
| `U` | (H, 4H) | recurrent weights, same blocks |
| `b` | (4H,) | bias, same blocks |
| `h_next`, `c_next` | (N, H) | new states |

The **cache** `(x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)` is built for you; the check
also reads the four gates from it, so it can tell you *which* gate is wrong.

*Hint:* `a[:, H:2 * H]` is the forget block. `sigmoid` is defined in the cell above.
"""

STEP_FORWARD = r'''
def lstm_step_forward(x, h_prev, c_prev, W, U, b):
    """One LSTM step, gate blocks in Keras order i, f, c, o.

    Args:
        x: input at this step, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous cell state, shape (N, H).
        W: input weights, shape (D, 4H).
        U: recurrent weights, shape (H, 4H).
        b: bias, shape (4H,).

    Returns:
        h_next: new hidden state, shape (N, H).
        c_next: new cell state, shape (N, H).
        cache: the tuple (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next) for
            lstm_step_backward; the gates i, f, g, o have shape (N, H).
    """
    H = h_prev.shape[1]
    ### BEGIN SOLUTION
    a = x @ W + h_prev @ U + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    ### END SOLUTION
    cache = (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)
    return h_next, c_next, cache
'''

STEP_BACKWARD_MD = r"""
## 2. One LSTM step backward

Two gradients arrive: `dh_next` $= \partial L/\partial h_t$ and `dc_next`
$= \partial L/\partial c_t$ from the next step. The cell state reaches the loss along both
paths, directly and through $h_t = o_t \odot \tanh(c_t)$, so the **whole** gradient at $c_t$ is

$$dc = dc_{\text{next}} + dh_{\text{next}} \odot o_t \odot (1 - \tanh^2(c_t)).$$

Then every factor of the two equations gets its share (derivatives from saved outputs:
$\sigma' = \sigma(1-\sigma)$, $\tanh' = 1 - \tanh^2$):

$$da_o = dh_{\text{next}} \odot \tanh(c_t) \odot o_t(1-o_t), \qquad
da_i = dc \odot g_t \odot i_t(1-i_t),$$

$$da_f = dc \odot c_{t-1} \odot f_t(1-f_t), \qquad
da_c = dc \odot i_t \odot (1-g_t^2), \qquad
dc_{\text{prev}} = dc \odot f_t.$$

The last line is the point of the LSTM: along the cell path the gradient is only multiplied by
the forget gate, with no weight matrix and no squashing derivative in between.

With $da = [\,da_i \mid da_f \mid da_c \mid da_o\,]$ of shape (N, 4H), in Keras order, the rest
is the same as for the vanilla RNN:

$$dx = da\,W^\top,\quad dh_{\text{prev}} = da\,U^\top,\quad dW = x^\top da,\quad
dU = h_{\text{prev}}^\top da,\quad db = \textstyle\sum_n da_n.$$

Shapes: `dx` (N, D), `dh_prev` and `dc_prev` (N, H), `dW` (D, 4H), `dU` (H, 4H), `db` (4H,).
The check compares `dW`, `dU` and `db` block by block, so a message such as "dU's forget-gate
block ... is wrong" tells you which $da$ to look at.
"""

STEP_BACKWARD = r'''
def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    Args:
        dh_next: gradient of the loss with respect to h_next, shape (N, H).
        dc_next: gradient of the loss with respect to c_next from the next step, shape (N, H).
        cache: the tuple (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next) of lstm_step_forward.

    Returns:
        dx (N, D), dh_prev (N, H), dc_prev (N, H), dW (D, 4H), dU (H, 4H), db (4H,).
    """
    x, h_prev, c_prev, W, U, b, i, f, g, o, c_next = cache
    ### BEGIN SOLUTION
    tanh_c = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)
    da_i = dc * g * i * (1.0 - i)
    da_f = dc * c_prev * f * (1.0 - f)
    da_c = dc * i * (1.0 - g ** 2)
    da_o = dh_next * tanh_c * o * (1.0 - o)
    da = np.concatenate([da_i, da_f, da_c, da_o], axis=1)
    dx = da @ W.T
    dh_prev = da @ U.T
    dc_prev = dc * f
    dW = x.T @ da
    dU = h_prev.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dh_prev, dc_prev, dW, dU, db
'''

FORWARD_MD = r"""
## 3. The LSTM over a sequence

Unroll the step over $T$ time steps with the same $W, U, b$, carrying **both** states. As in
Keras, the cell state starts at zero, $c_0 = 0$; $h_0$ is given.

| name | shape |
|---|---|
| `x` | (N, T, D), batch first |
| `h0` | (N, H) |
| `h` | (N, T, H): `h[:, t, :]` is the hidden state after step t |
| `cache` | the list of the T step caches, in time order |

The check also reads every $c_t$ from your step caches.
"""

FORWARD = r'''
def lstm_forward(x, h0, W, U, b):
    """Run the LSTM over a whole sequence, starting from h0 and c0 = 0.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, 4H).
        U: recurrent weights, shape (H, 4H).
        b: bias, shape (4H,).

    Returns:
        h: hidden states of every step, shape (N, T, H).
        cache: list of the T step caches of lstm_step_forward.
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    ### BEGIN SOLUTION
    h_t, c_t = h0, np.zeros_like(h0)
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t, :], h_t, c_t, W, U, b)
        h[:, t, :] = h_t
        cache.append(step_cache)
    ### END SOLUTION
    return h, cache
'''

GRU_MD = r"""
## 4. One GRU step, Keras's way

The GRU merges the cell and hidden states and uses two gates, an **update** gate $z$ and a
**reset** gate $r$. Its weights have three blocks in Keras order **z, r, h**: W (D, 3H),
U (H, 3H). Keras's default, `reset_after=True` (the form cuDNN runs), has **two** bias rows,
b (2, 3H): row 0 is added to the input product, row 1 to the recurrent product, and the reset
gate is applied *after* the recurrent product, bias included:

$$z_t = \sigma(x_t W_z + b_{0,z} + h_{t-1} U_z + b_{1,z}), \qquad
r_t = \sigma(x_t W_r + b_{0,r} + h_{t-1} U_r + b_{1,r}),$$

$$\tilde h_t = \tanh\big(x_t W_h + b_{0,h} + r_t \odot (h_{t-1} U_h + b_{1,h})\big), \qquad
h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t.$$

Mind the last equation: in Keras, $z$ close to 1 **keeps** the old state. Some texts, the
deeplearning.ai lectures and Chung et al. (2014) among them, write
$h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t$; their $z$ is our $1 - z$. Your answer must follow Keras, so that its weights load into `keras.layers.GRU`.

Return `h_next` (N, H) and the cache `(x, h_prev, W, U, b, z, r, hh, h_next)`, built for you
from your `z`, `r` and `hh` ($\tilde h_t$), each (N, H).

*Hint:* compute `x @ W + b[0]` and `h_prev @ U + b[1]` once each, then slice the blocks.
"""

GRU = r'''
def gru_step_forward(x, h_prev, W, U, b):
    """One GRU step as keras.layers.GRU computes it (reset_after=True), blocks z, r, h.

    Args:
        x: input at this step, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        W: input weights, shape (D, 3H).
        U: recurrent weights, shape (H, 3H).
        b: biases, shape (2, 3H): row 0 for the input product, row 1 for the recurrent one.

    Returns:
        h_next: new hidden state, shape (N, H).
        cache: the tuple (x, h_prev, W, U, b, z, r, hh, h_next).
    """
    H = h_prev.shape[1]
    ### BEGIN SOLUTION
    xw = x @ W + b[0]
    hu = h_prev @ U + b[1]
    z = sigmoid(xw[:, :H] + hu[:, :H])
    r = sigmoid(xw[:, H:2 * H] + hu[:, H:2 * H])
    hh = np.tanh(xw[:, 2 * H:] + r * hu[:, 2 * H:])
    h_next = z * h_prev + (1.0 - z) * hh
    ### END SOLUTION
    cache = (x, h_prev, W, U, b, z, r, hh, h_next)
    return h_next, cache
'''

PEEPHOLE_MD = r"""
## 5. A peephole LSTM cell in Keras

Gers and Schmidhuber's **peephole** connections let the gates look at the cell state itself.
Each gate gets one extra vector of H weights, multiplied elementwise (no matrix):

$$i_t = \sigma(a_i + p_i \odot c_{t-1}), \qquad f_t = \sigma(a_f + p_f \odot c_{t-1}), \qquad
g_t = \tanh(a_c),$$

$$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad o_t = \sigma(a_o + p_o \odot c_t), \qquad
h_t = o_t \odot \tanh(c_t).$$

Mind the times: the input and forget gates see the **previous** cell state; the output gate sees
the **new** one (it is computed after $c_t$). $a_t$ is the LSTM's, with the blocks i, f, c, o.

Keras runs a cell over a sequence with `keras.layers.RNN(cell)`. A cell is a layer with a
`state_size` and a `call(inputs, states)` that maps one step's input (N, D) and the list of
states `[h_prev, c_prev]` to `(output, [new states])`. The class below already creates the
weights, with the names and shapes the check sets: `kernel` (D, 4H) is our W,
`recurrent_kernel` (H, 4H) is U, `bias` (4H,) is b, and `p_i`, `p_f`, `p_o` (H,). Write `call`.

Use **`keras.ops`** only (`ops.matmul`, `ops.sigmoid`, `ops.tanh`, `ops.split`, `*`, `+`), never
NumPy or TensorFlow directly: the same cell then runs on the TensorFlow, JAX and PyTorch
backends, and inside compiled graphs.

The check builds `keras.layers.RNN(PeepholeLSTMCell(H), return_sequences=True,
return_state=True)`, loads weights from the NumPy reference, runs it from non-zero initial
states and compares with `LSTMVariant(peephole=True)` of `course_pkg.reference`: first with the
peepholes at zero (a plain LSTM), then with each peephole alone, then all together, so a wrong
result names the term. Keras computes in float32; the tolerance is 1e-4.
"""

PEEPHOLE = r'''
class PeepholeLSTMCell(keras.layers.Layer):
    """An LSTM cell with peephole connections, written with keras.ops only.

    Args:
        units: the hidden size H (a positive integer).

    Call arguments:
        inputs: the input of one step, shape (N, D).
        states: [h_prev, c_prev], each of shape (N, H).

    Returns:
        h (N, H), and the new states [h, c].

    Example:
        >>> layer = keras.layers.RNN(PeepholeLSTMCell(8), return_sequences=True)
        >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
        (2, 5, 8)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"units must be a positive integer, got {units!r}")
        self.units = units
        self.state_size = [units, units]  # h, c
        self.output_size = units

    def build(self, input_shape):
        D, H = input_shape[-1], self.units
        self.kernel = self.add_weight(shape=(D, 4 * H), initializer="glorot_uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(H, 4 * H), initializer="orthogonal",
                                                name="recurrent_kernel")
        self.bias = self.add_weight(shape=(4 * H,), initializer="zeros", name="bias")
        self.p_i = self.add_weight(shape=(H,), initializer="zeros", name="p_i")
        self.p_f = self.add_weight(shape=(H,), initializer="zeros", name="p_f")
        self.p_o = self.add_weight(shape=(H,), initializer="zeros", name="p_o")

    def call(self, inputs, states):
        h_prev, c_prev = states
        ### BEGIN SOLUTION
        a = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) + self.bias
        a_i, a_f, a_c, a_o = ops.split(a, 4, axis=-1)
        i = ops.sigmoid(a_i + self.p_i * c_prev)
        f = ops.sigmoid(a_f + self.p_f * c_prev)
        c = f * c_prev + i * ops.tanh(a_c)
        o = ops.sigmoid(a_o + self.p_o * c)
        h = o * ops.tanh(c)
        ### END SOLUTION
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "units": self.units}
'''

VANISHING_MD = r"""
## 6. Measuring the vanishing gradient

Back to the vanilla tanh RNN, $h_t = \tanh(x_t W + h_{t-1} U + b)$. Take the loss
$L = \sum h_T$ (every entry of the last state) and follow its gradient back in time. One step
back multiplies by the step's Jacobian:

$$g_T = \frac{\partial L}{\partial h_T} = \mathbf{1}, \qquad
g_{t-1} = \frac{\partial L}{\partial h_{t-1}} = \big(g_t \odot (1 - h_t^2)\big)\, U^\top .$$

(This is the `dh_prev` of the first assignment's `rnn_step_backward`.) The tanh derivative is at
most 1 and $\lVert v U^\top \rVert \le \rho \lVert v\rVert$ when every singular value of $U$ is
$\rho$, so for $\rho \le 1$ the norm can only shrink, step after step, geometrically.

**6a.** Write `gradient_norms(h, U)`: given the states $h_1, \dots, h_T$ of one run, return the
array `norms` of shape (T,) with `norms[k]` $= \lVert g_{T-k} \rVert$ (the Frobenius norm,
`np.linalg.norm`, over the whole (N, H) array), for $k = 0, \dots, T-1$: `norms[0]` is the norm
at the last step, `norms[k]` the norm $k$ steps earlier. Note which state's derivative each
step uses: going from $g_t$ to $g_{t-1}$ uses $h_t$, which is `h[:, t - 1, :]` in the 0-based
array (`h[:, T - 1, :]` is $h_T$).

The cell below gives you `make_rnn(rho)`: an RNN whose recurrent matrix is $\rho$ times a random
orthogonal matrix (so every singular value of $U$ is exactly $\rho$), with a fixed input
sequence, and `tanh_rnn_forward`, which returns the states (N, T, H).
"""

VANISHING_HELPERS = r'''
RHOS = (0.5, 1.0, 3.0)  # spectral radii of U in the experiment
DISTANCE = 20           # compare the gradient norm 20 steps back with the one at the last step


def make_rnn(rho, H=32, D=8, T=30, seed=0):
    """A tanh RNN whose U is rho times a random orthogonal matrix, and an input sequence.

    Returns:
        x (1, T, D), h0 (1, H) zeros, W (D, H), U (H, H), b (H,) zeros.
    """
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    U = rho * q * np.sign(np.diag(r))
    W = rng.normal(scale=1.0 / np.sqrt(D), size=(D, H))
    x = rng.normal(size=(1, T, D))
    return x, np.zeros((1, H)), W, U, np.zeros(H)


def tanh_rnn_forward(x, h0, W, U, b):
    """Hidden states h_1 .. h_T, shape (N, T, H), of h_t = tanh(x_t @ W + h_{t-1} @ U + b)."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_t = h0
    for t in range(T):
        h_t = np.tanh(x[:, t] @ W + h_t @ U + b)
        h[:, t] = h_t
    return h
'''

NORMS = r'''
def gradient_norms(h, U):
    """Norms of dL/dh_t for L = sum(h_T), from the last step backwards.

    Args:
        h: hidden states h_1 .. h_T of a tanh RNN, shape (N, T, H).
        U: its recurrent weights, shape (H, H).

    Returns:
        norms: shape (T,); norms[k] is the Frobenius norm of dL/dh_{T-k}.
    """
    N, T, H = h.shape
    norms = np.zeros(T)
    ### BEGIN SOLUTION
    g = np.ones((N, H))                      # dL/dh_T
    norms[0] = np.linalg.norm(g)
    for k in range(1, T):
        h_t = h[:, T - k, :]                 # the state whose tanh the gradient goes back through
        g = (g * (1.0 - h_t ** 2)) @ U.T
        norms[k] = np.linalg.norm(g)
    ### END SOLUTION
    return norms
'''

EXPERIMENT_MD = r"""
**6b. The experiment.** For each spectral radius $\rho$ in `RHOS` = (0.5, 1.0, 3.0), build
the RNN with `make_rnn(rho)` (default sizes and seed), run it forward from its `h0` with
`tanh_rnn_forward`, compute the norms with your `gradient_norms`, and store

$$\texttt{ratios[j]} = \frac{\texttt{norms[DISTANCE]}}{\texttt{norms[0]}}
= \frac{\lVert \partial L/\partial h_{T-20} \rVert}{\lVert \partial L/\partial h_T \rVert}
\qquad\text{for } \rho = \texttt{RHOS[j]}.$$

The check compares your three numbers with the course's own computation (relative tolerance
1e-4): compute them, do not copy printed digits.
"""

EXPERIMENT = r'''
ratios = np.full(len(RHOS), np.nan)  # ratios[j]: norms[DISTANCE] / norms[0] for RHOS[j]
### BEGIN SOLUTION
for j, rho in enumerate(RHOS):
    x, h0, W, U, b = make_rnn(rho)
    norms = gradient_norms(tanh_rnn_forward(x, h0, W, U, b), U)
    ratios[j] = norms[DISTANCE] / norms[0]
### END SOLUTION
for rho, ratio in zip(RHOS, ratios):
    print(f"rho = {rho}: norms[{DISTANCE}] / norms[0] = {ratio:.3e}")
'''

OUTRO = r"""
## What the numbers say

With $\rho = 0.5$ the gradient from 20 steps back is less than a billionth of the last step's:
what happened 20 steps earlier cannot be learned from at all. With $\rho = 1$, an orthogonal
$U$ that preserves norms, the gradient *still* vanishes (by a factor of thousands), because every
tanh derivative $1 - h_t^2$ is below 1. With $\rho = 3$ it explodes instead, held back only where
the tanh saturates. No choice of $U$ makes a vanilla RNN carry gradients reliably over long
distances.

The LSTM's cell path is different: `dc_prev = dc * f`, no matrix and no squashing derivative.
With forget gates near 1 (Keras starts the forget bias at 1 for this reason) the gradient along
$c_t$ survives many steps; the GRU's $h_t = z_t h_{t-1} + \dots$ does the same with $z$.

Before you submit: *Kernel → Restart & Run All*, check that every test cell prints a line
ending in "match" (or "matches"), and download the notebook (`File → Download → .ipynb`).
"""


def build() -> NotebookNode:
    """The instructor notebook, cell by cell."""
    cells = [
        md(INTRO),
        readonly("colab_install", COLAB),
        readonly("imports", IMPORTS),
        readonly("helpers", HELPERS),
        md(STEP_FORWARD_MD),
        answer("lstm_step_forward", STEP_FORWARD),
        test("test_lstm_step_forward", 2, "check.lstm_step_forward(lstm_step_forward)"),
        test("test_lstm_step_forward_hidden", 2, """
check.lstm_step_forward(lstm_step_forward, N=1, D=2, H=3, seed=1234)
check.lstm_step_forward(lstm_step_forward, N=6, D=3, H=7, seed=7)
""", hidden=True),
        md(STEP_BACKWARD_MD),
        answer("lstm_step_backward", STEP_BACKWARD),
        test("test_lstm_step_backward", 3, "check.lstm_step_backward(lstm_step_backward)"),
        test("test_lstm_step_backward_hidden", 3, """
check.lstm_step_backward(lstm_step_backward, N=1, D=2, H=3, seed=1234)
check.lstm_step_backward(lstm_step_backward, N=5, D=6, H=2, seed=5)
""", hidden=True),
        md(FORWARD_MD),
        answer("lstm_forward", FORWARD),
        test("test_lstm_forward", 2, "check.lstm_forward(lstm_forward)"),
        test("test_lstm_forward_hidden", 2, """
check.lstm_forward(lstm_forward, N=1, T=1, D=2, H=3, seed=1234)
check.lstm_forward(lstm_forward, N=3, T=9, D=2, H=4, seed=11)
""", hidden=True),
        md(GRU_MD),
        answer("gru_step_forward", GRU),
        test("test_gru_step_forward", 2, "check.gru_step_forward(gru_step_forward)"),
        test("test_gru_step_forward_hidden", 2, """
check.gru_step_forward(gru_step_forward, N=1, D=2, H=3, seed=1234)
check.gru_step_forward(gru_step_forward, N=5, D=6, H=4, seed=8)
""", hidden=True),
        md(PEEPHOLE_MD),
        answer("peephole_lstm_cell", PEEPHOLE),
        test("test_peephole_lstm_cell", 3, "check.peephole_lstm_cell(PeepholeLSTMCell)"),
        test("test_peephole_lstm_cell_hidden", 3, """
check.peephole_lstm_cell(PeepholeLSTMCell, N=1, T=1, D=2, H=3, seed=1234)
check.peephole_lstm_cell(PeepholeLSTMCell, N=3, T=7, D=4, H=6, seed=9)
""", hidden=True),
        md(VANISHING_MD),
        readonly("vanishing_helpers", VANISHING_HELPERS),
        answer("gradient_norms", NORMS),
        test("test_gradient_norms", 2, "check.gradient_norms(gradient_norms)"),
        test("test_gradient_norms_hidden", 2, """
check.gradient_norms(gradient_norms, N=1, T=1, D=2, H=3, seed=1234)
check.gradient_norms(gradient_norms, N=4, T=25, D=5, H=10, rho=1.5, seed=3)
""", hidden=True),
        md(EXPERIMENT_MD),
        answer("vanishing_experiment", EXPERIMENT),
        test("test_vanishing_experiment", 2, "check.vanishing_experiment(ratios)"),
        md(OUTRO),
    ]
    return build_notebook(cells)


def main(argv: list[str] | None = None) -> int:
    return write_notebook(build(), TARGET)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
