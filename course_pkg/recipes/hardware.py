"""What a training run uses: numeric precision, XLA compilation, and the devices it spreads over.

A recipe's preset names its hardware: ``test`` and ``book`` train in float32 on one CPU;
``colab`` and ``full`` use
mixed precision on the GPU that is there (float16 on a T4, whose tensor cores have no bfloat16;
bfloat16 from compute capability 8.0 on: A100, L4, H100, which needs no loss scaling), let Keras
compile with XLA where the model allows it, and spread every batch over all visible GPUs (data
parallelism: ``tf.distribute.MirroredStrategy`` on TensorFlow, ``keras.distribution.DataParallel``
on JAX; Keras has no data-parallel API for PyTorch, so there a run over several devices stops
with the NotImplementedError of :func:`no_data_parallelism`). Without a GPU the GPU presets fall
back to float32 on the CPU.

:func:`hardware_scope` applies a :class:`Hardware` while a model is built, trained and evaluated,
and puts the global Keras settings back afterwards.

Example:
    >>> hardware_for("book")
    Hardware(precision='float32', jit_compile='auto', devices=())
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

__all__ = ["PRECISIONS", "Hardware", "gpu_devices", "hardware_for", "hardware_scope", "split_cpu"]

#: Keras dtype policies a run may use.
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
_GPU_PRESETS = ("colab", "full")


@dataclass(frozen=True)
class Hardware:
    """How a run computes.

    Attributes:
        precision: a Keras dtype policy of :data:`PRECISIONS`. With a mixed policy layers compute
            in 16 bits and keep float32 weights; the models' output layers stay float32.
        jit_compile: passed to ``model.compile``. ``"auto"`` (the default) lets Keras decide: on
            JAX it compiles the training step with ``jax.jit`` (``False`` there means running
            it op by op, more than ten times slower); on TensorFlow it uses XLA on a GPU, not on
            a CPU-only machine nor under ``tf.distribute``.
        devices: the devices a batch is split over (``"gpu:0"``, ``"cpu:1"``...); empty or one
            device means no data parallelism. The batch size must be a multiple of their number.
    """

    precision: str = "float32"
    jit_compile: bool | str = "auto"
    devices: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"Hardware: argument precision expected one of {list(PRECISIONS)}, "
                             f"got {self.precision!r}")
        if self.jit_compile not in (True, False, "auto"):
            raise ValueError(f"Hardware: argument jit_compile expected True, False or 'auto', "
                             f"got {self.jit_compile!r}")
        object.__setattr__(self, "devices", tuple(self.devices))

    @property
    def replicas(self) -> int:
        """How many devices share each batch (1 without data parallelism)."""
        return max(1, len(self.devices))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the result document."""
        return {**asdict(self), "devices": list(self.devices), "replicas": self.replicas}


def gpu_devices() -> list[dict[str, Any]]:
    """The GPUs the current Keras backend sees: ``{"name": "gpu:0", "compute_capability": 7.5}``.

    Compute capability is None where the backend does not report it.
    """
    import keras

    backend = keras.backend.backend()
    found: list[dict[str, Any]] = []
    if backend == "tensorflow":
        import tensorflow as tf

        for index, device in enumerate(tf.config.list_physical_devices("GPU")):
            details = tf.config.experimental.get_device_details(device)
            cc = details.get("compute_capability")
            found.append({"name": f"gpu:{index}", "kind": details.get("device_name", ""),
                          "compute_capability": float(f"{cc[0]}.{cc[1]}") if cc else None})
    elif backend == "jax":
        import jax

        try:
            devices = jax.devices("gpu")
        except RuntimeError:  # no GPU platform
            devices = []
        for index, device in enumerate(devices):
            cc = getattr(device, "compute_capability", None)
            found.append({"name": f"gpu:{index}", "kind": device.device_kind,
                          "compute_capability": float(cc) if cc else None})
    elif backend == "torch":
        import torch

        for index in range(torch.cuda.device_count()):
            major, minor = torch.cuda.get_device_capability(index)
            found.append({"name": f"gpu:{index}", "kind": torch.cuda.get_device_name(index),
                          "compute_capability": float(f"{major}.{minor}")})
    return found


def hardware_for(preset: str, gpus: list[dict[str, Any]] | None = None) -> Hardware:
    """The hardware a preset runs on here.

    Args:
        preset: "test", "book", "colab" or "full".
        gpus: the visible GPUs (default: :func:`gpu_devices`, asked only for the GPU presets).

    Returns:
        float32 on the CPU for "test" and "book" and wherever there is no GPU; otherwise mixed
        precision (float16 below compute capability 8.0, else bfloat16) and every GPU in the
        data-parallel group when there are several. Compilation is "auto" everywhere.
    """
    if preset not in ("test", "book", *_GPU_PRESETS):
        raise ValueError(f"hardware_for: argument preset expected one of "
                         f"['test', 'book', 'colab', 'full'], got {preset!r}")
    if preset not in _GPU_PRESETS:
        return Hardware()
    gpus = gpu_devices() if gpus is None else gpus
    if not gpus:
        return Hardware()
    capability = min((g["compute_capability"] or 0.0) for g in gpus)
    precision = "mixed_bfloat16" if capability >= 8.0 else "mixed_float16"
    devices = tuple(g["name"] for g in gpus) if len(gpus) > 1 else ()
    return Hardware(precision=precision, jit_compile="auto", devices=devices)


#: One MirroredStrategy per group of devices for the whole process: two strategies over the same
#: devices would draw colliding collective keys ("Shape mismatch in the collective instance"), as
#: when one recipe trains several models one after the other.
_STRATEGIES: dict[tuple[str, ...], Any] = {}


def _mirrored_strategy(devices: tuple[str, ...]):
    import tensorflow as tf

    if devices not in _STRATEGIES:
        _STRATEGIES[devices] = tf.distribute.MirroredStrategy([f"/{d}" for d in devices])
    return _STRATEGIES[devices]


@contextlib.contextmanager
def hardware_scope(hardware: Hardware) -> Iterator[None]:
    """Build, train and evaluate inside this block to run on ``hardware``.

    Sets the global dtype policy and, with several devices, enters the data-parallel scope of the
    backend; both are restored on exit.

    Raises:
        NotImplementedError: data parallelism on a backend other than TensorFlow or JAX
            (PyTorch: :func:`no_data_parallelism`).
    """
    import keras

    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(hardware.precision)
    try:
        if hardware.replicas == 1:
            yield
            return
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            with _mirrored_strategy(hardware.devices).scope():
                yield
        elif backend == "jax":
            previous = keras.distribution.distribution()
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=list(hardware.devices)))
            try:
                yield
            finally:
                keras.distribution.set_distribution(previous)
        else:
            raise NotImplementedError(no_data_parallelism(backend))
    finally:
        keras.config.set_dtype_policy(previous_policy)


def no_data_parallelism(backend: str) -> str:
    """Why ``backend`` cannot train data parallel here (the message of the NotImplementedError).

    Keras 3's data-parallel API, ``keras.distribution``, is implemented for JAX only, and
    TensorFlow has its own ``tf.distribute``; Keras offers none for PyTorch (a PyTorch model is
    made data parallel with torch's DistributedDataParallel, outside ``model.fit``)."""
    return (f"data parallelism is implemented for the TensorFlow (tf.distribute) and JAX "
            f"(keras.distribution) backends; Keras has none for {backend!r}: train on one device")


def split_cpu(count: int) -> tuple[str, ...]:
    """Make the CPU appear as ``count`` devices, to run data parallelism without GPUs (the tests
    do); returns their names for :class:`Hardware`. Call before the backend computes anything:
    JAX reads ``XLA_FLAGS`` when it starts, TensorFlow fixes its devices at first use.

    Raises:
        RuntimeError: the backend has already started with fewer devices.
    """
    import os

    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise ValueError(f"split_cpu: argument count expected a positive integer, got {count!r}")
    flag = f"--xla_force_host_platform_device_count={count}"
    if flag not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        cpus = tf.config.list_physical_devices("CPU")
        try:
            tf.config.set_logical_device_configuration(
                cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
        except RuntimeError as exc:
            if len(tf.config.list_logical_devices("CPU")) < count:
                raise RuntimeError(f"split_cpu: TensorFlow has already started with one CPU "
                                   f"device; call split_cpu({count}) first") from exc
    elif backend == "jax":
        import jax

        if len(jax.devices("cpu")) < count:
            raise RuntimeError(f"split_cpu: JAX has already started with {len(jax.devices('cpu'))} "
                               f"CPU device(s); call split_cpu({count}) before using JAX")
    else:
        raise NotImplementedError(f"split_cpu: {no_data_parallelism(backend)}")
    return tuple(f"cpu:{i}" for i in range(count))
