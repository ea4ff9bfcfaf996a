"""LSTM variants as one configuration, their parameter layout, and initialisers.

One implementation in ``lstm.py`` serves every variant; an ``LSTMVariant`` says which switches are
on. The variants are those of Greff et al. (2017), "LSTM: A Search Space Odyssey":

- ``peephole``: the input and forget gates also see c_{t-1}, the output gate sees c_t, each
  through a vector of H weights (``p_i``, ``p_f``, ``p_o``) multiplied elementwise.
- ``coupled``: the input gate is tied to the forget gate, i_t = 1 - f_t (what the GRU does).
  The i block disappears from W, U and b, which then hold the blocks f, c, o: (D, 3H), (H, 3H),
  (3H,). There is no ``p_i``: the coupled input gate sees c_{t-1} through f.
- ``forget_gate=False`` (no forget gate, f_t = 1): the f block and ``p_f`` disappear.
- ``output_gate=False`` (no output gate, o_t = 1): the o block and ``p_o`` disappear.

Blocks that remain keep the Keras order i, f, c, o. ``coupled`` together with
``forget_gate=False`` would give i = 0 and a cell that never changes, so it is refused.

The forget-gate bias is an initialisation choice, not a change of the equations: ``init_lstm_params``
sets the f block of b to ``forget_bias`` (1.0 by default, what Keras's ``unit_forget_bias=True``
does) so that a fresh LSTM starts by remembering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_positive, check_positive_int

GATE_ORDER = ("i", "f", "c", "o")


@dataclass(frozen=True)
class LSTMVariant:
    """Which LSTM is meant: the switches of Greff et al.'s study.

    Args:
        peephole: gates also see the cell state through vectors ``p_i``, ``p_f``, ``p_o`` (H,).
        coupled: the input gate is 1 - f (no i block in W, U, b; no ``p_i``).
        forget_gate: False removes the forget gate (f = 1).
        output_gate: False removes the output gate (o = 1).

    Example:
        >>> v = LSTMVariant(coupled=True)
        >>> v.gates, v.param_shapes(D=3, H=5)["W"]
        (('f', 'c', 'o'), (3, 15))
    """

    peephole: bool = False
    coupled: bool = False
    forget_gate: bool = True
    output_gate: bool = True

    def __post_init__(self) -> None:
        for name in ("peephole", "coupled", "forget_gate", "output_gate"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"LSTMVariant: {name} must be True or False, got {value!r}")
        if self.coupled and not self.forget_gate:
            raise ValueError(
                "LSTMVariant: coupled=True needs the forget gate (i = 1 - f); with "
                "forget_gate=False the input gate would be 0 and the cell would never change"
            )

    @property
    def gates(self) -> tuple[str, ...]:
        """The blocks of W, U and b, in Keras order (a subset of i, f, c, o; c is always there)."""
        present = {
            "i": not self.coupled,
            "f": self.forget_gate,
            "c": True,
            "o": self.output_gate,
        }
        return tuple(g for g in GATE_ORDER if present[g])

    @property
    def peepholes(self) -> tuple[str, ...]:
        """Names of the peephole vectors this variant has (empty without ``peephole``)."""
        if not self.peephole:
            return ()
        return tuple(f"p_{g}" for g in self.gates if g != "c")

    @property
    def param_names(self) -> tuple[str, ...]:
        """Every parameter of the variant: W, U, b, then its peephole vectors."""
        return ("W", "U", "b", *self.peepholes)

    @property
    def name(self) -> str:
        """A short label: "vanilla", or the switches that differ from it joined by "+"."""
        parts = [label for label, on in (("peephole", self.peephole), ("coupled", self.coupled),
                                          ("no_forget_gate", not self.forget_gate),
                                          ("no_output_gate", not self.output_gate)) if on]
        return "+".join(parts) or "vanilla"

    def param_shapes(self, D: int, H: int) -> dict[str, tuple[int, ...]]:
        """Shapes of every parameter for input size D and hidden size H.

        Returns:
            ``{"W": (D, G*H), "U": (H, G*H), "b": (G*H,), "p_*": (H,) ...}`` with G = len(gates).
        """
        G = len(self.gates)
        shapes: dict[str, tuple[int, ...]] = {"W": (D, G * H), "U": (H, G * H), "b": (G * H,)}
        shapes.update({name: (H,) for name in self.peepholes})
        return shapes


VANILLA = LSTMVariant()

#: The variants of the Greff-style study, by name.
LSTM_VARIANTS: dict[str, LSTMVariant] = {
    "vanilla": VANILLA,
    "peephole": LSTMVariant(peephole=True),
    "coupled": LSTMVariant(coupled=True),
    "no_forget_gate": LSTMVariant(forget_gate=False),
    "no_output_gate": LSTMVariant(output_gate=False),
}


def _check_dims(func: str, D: int, H: int, dtype) -> tuple[int, int, np.dtype]:
    D, H = check_positive_int(func, "D", D), check_positive_int(func, "H", H)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{func}: dtype must be float32 or float64, got {dtype}")
    return D, H, dtype


def _check_variant(func: str, variant: LSTMVariant | None) -> LSTMVariant:
    if variant is None:
        return VANILLA
    if not isinstance(variant, LSTMVariant):
        raise ValueError(f"{func}: variant must be an LSTMVariant or None, got {type(variant).__name__}")
    return variant


def _set_forget_bias(b: np.ndarray, variant: LSTMVariant, H: int, forget_bias: float) -> None:
    if "f" in variant.gates:
        k = variant.gates.index("f")
        b[k * H:(k + 1) * H] = forget_bias


def random_lstm_params(
    D: int,
    H: int,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float64,
    scale: float | None = None,
    variant: LSTMVariant | None = None,
    forget_bias: float | None = None,
) -> dict[str, np.ndarray]:
    """Random LSTM parameters for examples and gradient checks.

    Every entry (biases and peepholes included) is drawn from N(0, scale**2), so that every
    gradient is exercised; ``scale`` defaults to 1 / sqrt(H).

    Args:
        D: input size.
        H: hidden size.
        rng: a ``numpy.random.Generator``, a seed, or None.
        dtype: float32 or float64.
        scale: standard deviation of every entry.
        variant: the ``LSTMVariant`` (default: the vanilla LSTM).
        forget_bias: when given, the forget block of b is set to this value.

    Returns:
        A dict with the shapes of ``variant.param_shapes(D, H)``.
    """
    func = "random_lstm_params"
    D, H, dtype = _check_dims(func, D, H, dtype)
    variant = _check_variant(func, variant)
    scale = 1.0 / np.sqrt(H) if scale is None else check_positive(func, "scale", scale)
    rng = np.random.default_rng(rng)
    params = {name: scale * rng.standard_normal(shape)
              for name, shape in variant.param_shapes(D, H).items()}
    if forget_bias is not None:
        _set_forget_bias(params["b"], variant, H, float(forget_bias))
    return {name: value.astype(dtype) for name, value in params.items()}


def init_lstm_params(
    D: int,
    H: int,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float32,
    variant: LSTMVariant | None = None,
    unit_forget_bias: bool = True,
    forget_bias: float = 1.0,
) -> dict[str, np.ndarray]:
    """LSTM parameters initialised as Keras initialises its ``LSTM`` layer.

    W is Glorot-uniform, U is orthogonal (per (H, G*H) matrix, as Keras's ``Orthogonal``), b is
    zero except the forget block, which is ``forget_bias`` when ``unit_forget_bias`` is True
    (Keras's default, with forget_bias = 1). Peephole vectors start at zero.

    Args:
        D: input size.
        H: hidden size.
        rng: a ``numpy.random.Generator``, a seed, or None.
        dtype: float32 (default) or float64.
        variant: the ``LSTMVariant`` (default: the vanilla LSTM). Without a forget gate there is
            no forget block and the forget bias has nothing to set.
        unit_forget_bias: set the forget block of b to ``forget_bias``.
        forget_bias: the initial forget bias (Jozefowicz et al. 2015 recommend 1).

    Returns:
        A dict with the shapes of ``variant.param_shapes(D, H)``.
    """
    func = "init_lstm_params"
    D, H, dtype = _check_dims(func, D, H, dtype)
    variant = _check_variant(func, variant)
    rng = np.random.default_rng(rng)
    shapes = variant.param_shapes(D, H)
    GH = shapes["W"][1]

    limit = np.sqrt(6.0 / (D + GH))                          # Glorot uniform
    W = rng.uniform(-limit, limit, size=(D, GH))
    q, r = np.linalg.qr(rng.standard_normal((GH, H)))        # orthonormal columns
    U = (q * np.sign(np.diag(r))).T                          # (H, GH), orthonormal rows
    b = np.zeros(GH)
    if unit_forget_bias:
        _set_forget_bias(b, variant, H, float(forget_bias))
    params = {"W": W, "U": U, "b": b}
    params.update({name: np.zeros(H) for name in variant.peepholes})
    return {name: value.astype(dtype) for name, value in params.items()}
