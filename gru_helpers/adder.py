"""A GRU that adds: the GRU's state at every time step goes through one readout to one bit.

The readout is the same small layer at every step, ``y_t = h_t W_y + b_y``, one logit per step;
a logit above 0 means bit 1. Every h_t feeds the output, not only the last one.
"""

import numpy as np
import tensorflow as tf

from .bits import from_bits, pair_to_input, width_for_sum
from .fast_gru import FastGRU
from .gru import GRU, PARAMETER_NAMES, check_size, compiled_for_any_length


class Adder(tf.Module):
    """A GRU over the two operands' bits plus a readout to each bit of the sum.

    >>> adder = Adder(hidden_size=4, seed=0)
    >>> adder(np.zeros((3, 7, 2), np.float32)).shape      # one logit per bit
    TensorShape([3, 7, 1])
    >>> isinstance(adder.add(3, 1), int)                   # untrained, so not yet 4
    True
    """

    def __init__(self, hidden_size=16, seed=0, dtype=tf.float32, fast=False):
        """``fast=True`` runs the same GRU as ``FastGRU`` (fused products): same weights, sums."""
        super().__init__()
        self.hidden_size = check_size("hidden_size", hidden_size)
        gru_class = FastGRU if fast else GRU
        self.gru = gru_class(input_size=2, hidden_size=self.hidden_size, seed=seed, dtype=dtype)
        rng = np.random.default_rng([seed, 1])
        limit = np.sqrt(6 / (self.hidden_size + 1))
        self.W_y = tf.Variable(
            rng.uniform(-limit, limit, (self.hidden_size, 1)), dtype=dtype, name="W_y"
        )
        self.b_y = tf.Variable(tf.zeros(1, dtype), name="b_y")

    def __call__(self, x):
        """Logits for every bit of the sum, (batch, time, 1), from ``x`` (batch, time, 2)."""
        return self.readout(self.gru(x))

    def readout(self, h):
        """One logit per step from the states ``h`` (batch, time, hidden), one W_y for all.

        ``h_t W_y`` with its one column is a weighted sum of the units, and written so: the
        same numbers as ``h @ W_y``, but its gradient is a product and a sum instead of one
        batched matrix product per step, which makes a training step on a CPU about a tenth
        faster.
        """
        return tf.reduce_sum(h * self.W_y[:, 0], axis=-1, keepdims=True) + self.b_y

    def predict_bits(self, x):
        """The predicted bits of the sum (0 or 1), shape (batch, time), as a NumPy int array.

        Additions longer than the GRU writes out (``max_unrolled_steps``) go through its
        ``tf.scan``, which run eagerly launches every operation of every step from Python: they
        run as one graph instead, traced at the first such call for any batch size and length.
        (In one run, the 665-bit sum of two 200-digit numbers took 0.3 s eagerly, 0.01 s so.)
        """
        x = self.gru.check_input(x)
        if x.shape[1] > self.gru.max_unrolled_steps:
            if "_compiled" not in self.__dict__:  # set in __dict__: not tracked, not saved
                compiled = compiled_for_any_length(self.__call__, self.gru.input_size, x.dtype)
                self.__dict__["_compiled"] = compiled
            logits = self.__dict__["_compiled"](x)
        else:
            logits = self(x)
        return (logits.numpy()[..., 0] > 0).astype(np.int64)

    def __getstate__(self):
        """What ``copy.deepcopy`` copies (``train`` trains a copy): all but the compiled graph of
        ``predict_bits``, which a copy traces afresh for its own weights."""
        return {name: value for name, value in self.__dict__.items() if name != "_compiled"}

    def add(self, a, b, width=None):
        """The network's answer to ``a + b`` for non-negative Python ints of any size.

        ``width`` is the number of steps it reads; by default, exactly what the sum needs.
        """
        width = width_for_sum(a, b) if width is None else width
        return from_bits(self.predict_bits(pair_to_input(a, b, width))[0])

    def save(self, path):
        """Write the weights with ``tf.train.Checkpoint``; returns the checkpoint's path."""
        return tf.train.Checkpoint(adder=self).write(str(path))

    def _checkpoint_keys(self):
        keys = {f"adder/gru/{name}": getattr(self.gru, name) for name in PARAMETER_NAMES}
        keys.update({"adder/W_y": self.W_y, "adder/b_y": self.b_y})
        return keys

    def restore(self, path):
        """Read weights written by ``save``; another file or shape is a clear ValueError."""
        try:
            stored = tf.train.load_checkpoint(str(path)).get_variable_to_shape_map()
        except (tf.errors.NotFoundError, tf.errors.DataLossError, ValueError) as error:
            raise ValueError(
                f"no adder checkpoint at {path!r}: expected the path Adder.save returned "
                f"({type(error).__name__}: {str(error).splitlines()[0][:120]})"
            ) from error
        for key, variable in self._checkpoint_keys().items():
            shape = stored.get(f"{key}/.ATTRIBUTES/VARIABLE_VALUE")
            if shape is None:
                raise ValueError(
                    f"checkpoint {path!r} has no {key}: it was not written by Adder.save"
                )
            if tuple(shape) != tuple(variable.shape):
                raise ValueError(
                    f"checkpoint {path!r} does not fit this adder: {key} has shape "
                    f"{tuple(shape)} there, {tuple(variable.shape)} here "
                    f"(hidden_size {self.hidden_size})"
                )
        tf.train.Checkpoint(adder=self).read(str(path)).assert_existing_objects_matched()
        return self
