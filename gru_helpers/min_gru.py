"""The minimal GRU (Feng et al. 2024, "Were RNNs All We Needed?"), and an adder built on it.

The GRU's gates read the previous state h_tm1, so step t cannot start before step t - 1 ends.
The minimal GRU drops h_tm1 from its gates and from its candidate::

    z_t  = σ(x_t W_z + b_z)                 update gate, from the input alone
    h̃_t  = x_t W_h + b_h                    candidate state, from the input alone
    h_t  = (1 - z_t) ∘ h_tm1 + z_t ∘ h̃_t    new state, as in the GRU

The last line is h_t = a_t ∘ h_tm1 + b_t with a_t = 1 - z_t and b_t = z_t ∘ h̃_t, both known for
every t before the loop starts, so ``linear_scan`` computes all the states in about log2(T)
parallel steps. ``MinGRU.step`` is the same update one step at a time: the readable definition,
and the oracle the parallel path is checked against. The price: every nonlinearity that reads
the state has to move out of the time loop, into what reads the states afterwards.
"""

import numpy as np
import tensorflow as tf

from .bits import from_bits, pair_to_input, width_for_sum
from .gru import GRU, check_size
from .linear_scan import linear_scan


def glorot_uniform(rng, rows, columns):
    """A (rows, columns) matrix drawn uniformly from ±sqrt(6 / (rows + columns)), as Keras's
    default initialiser draws it: products with it keep about the scale of their input."""
    limit = np.sqrt(6 / (rows + columns))
    return rng.uniform(-limit, limit, size=(rows, columns))


class MinGRU(tf.Module):
    """The minimal GRU: ``step`` one step at a time, ``__call__`` every step via ``linear_scan``.

    >>> cell = MinGRU(input_size=2, hidden_size=3, seed=0)
    >>> x = np.random.default_rng(0).random((4, 50, 2)).astype(np.float32)
    >>> cell(x).shape                                   # (batch, time, hidden): every state
    TensorShape([4, 50, 3])
    >>> bool(np.allclose(cell(x), cell.sequential(x), atol=1e-6))
    True
    """

    def __init__(self, input_size, hidden_size, seed=0, dtype=tf.float32, name=None):
        """W_z and W_h Glorot-uniform, b_z and b_h zeros (every z_t starts near 0.5)."""
        super().__init__(name=name)
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        rng = np.random.default_rng(seed)
        for gate in "zh":
            W = glorot_uniform(rng, self.input_size, self.hidden_size)
            setattr(self, f"W_{gate}", tf.Variable(W, dtype=dtype, name=f"W_{gate}"))
            setattr(
                self, f"b_{gate}", tf.Variable(tf.zeros(self.hidden_size, dtype), name=f"b_{gate}")
            )

    def step(self, h_tm1, x_t):
        """One time step: ``h_tm1`` (batch, hidden) and ``x_t`` (batch, input) give ``h_t``."""
        z_t = tf.sigmoid(x_t @ self.W_z + self.b_z)
        h_tilde = x_t @ self.W_h + self.b_h
        return (1 - z_t) * h_tm1 + z_t * h_tilde

    check_input = GRU.check_input  # the same check: x (batch, time, input), in this dtype

    def __call__(self, x, h0=None):
        """Every state for ``x`` (batch, time, input), (batch, time, hidden): the gates of all
        steps at once, then the recurrence through ``linear_scan``."""
        x = self.check_input(x)
        z = tf.sigmoid(x @ self.W_z + self.b_z)
        h_tilde = x @ self.W_h + self.b_h
        return linear_scan(1 - z, z * h_tilde, self.initial_state(x, h0))

    def sequential(self, x, h0=None):
        """The same states as ``__call__``, from ``step`` in a ``tf.scan``, one after another."""
        x = self.check_input(x)
        h0 = self.initial_state(x, h0)
        states = tf.scan(self.step, tf.transpose(x, [1, 0, 2]), initializer=h0)
        return tf.transpose(states, [1, 0, 2])

    def initial_state(self, x, h0=None):
        """``h0`` in this cell's dtype, or zeros (batch, hidden) for a batch ``x``."""
        if h0 is None:
            return tf.zeros((tf.shape(x)[0], self.hidden_size), x.dtype)
        return tf.convert_to_tensor(h0, x.dtype)


class MinGRUAdder(tf.Module):
    """An adder on a ``MinGRU``: one-hot bit pairs in, a small tanh layer reading out each bit.

    Two things the GRU adder does inside its loop must happen outside it here:

    - **The input is one-hot.** The carry passes on exactly when the two bits differ, so the
      gate 1 - z_t must be near 1 for (0, 1) and (1, 0) and near 0 for (0, 0) and (1, 1). From
      the raw bits, σ(w_a a + w_b b + c) cannot do that (it is XOR, not linearly separable);
      from a one-hot code of the pair (four inputs, one per pair) each pair has its own weight.
    - **The sum bit is read by a nonlinear layer** from the state before column t (the carry
      into it) and the pair: s_t = a_t xor b_t xor c_{t-1}, again not a linear function.

    >>> adder = MinGRUAdder(hidden_size=4, seed=0)
    >>> adder(np.zeros((3, 7, 2), np.float32)).shape      # one logit per bit
    TensorShape([3, 7, 1])
    >>> isinstance(adder.add(3, 1), int)                   # untrained, so not yet 4
    True
    """

    def __init__(self, hidden_size=16, readout_size=16, seed=0, dtype=tf.float32, parallel=True):
        """``parallel=False`` runs the same cell one step after another (``MinGRU.sequential``):
        the same numbers, for timing the two side by side."""
        super().__init__()
        self.parallel = parallel
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.readout_size = check_size("readout_size", readout_size)
        self.cell = MinGRU(4, self.hidden_size, seed=seed, dtype=dtype)
        rng = np.random.default_rng([seed, 1])
        reads = self.hidden_size + 4  # the state before the column, and the column's pair
        self.W_1 = tf.Variable(glorot_uniform(rng, reads, self.readout_size), dtype=dtype)
        self.b_1 = tf.Variable(tf.zeros(self.readout_size, dtype))
        self.W_2 = tf.Variable(glorot_uniform(rng, self.readout_size, 1), dtype=dtype)
        self.b_2 = tf.Variable(tf.zeros(1, dtype))

    def one_hot(self, x):
        """(batch, time, 2) bits to (batch, time, 4): a 1 at position 2 a_t + b_t."""
        x = tf.convert_to_tensor(x, self.W_1.dtype)
        if x.shape.rank != 3 or x.shape[2] not in (None, 2):
            raise ValueError(f"x: expected shape (batch, time, 2), got {tuple(x.shape)}")
        pair = tf.cast(tf.round(2 * x[..., 0] + x[..., 1]), tf.int32)
        return tf.one_hot(pair, 4, dtype=self.W_1.dtype)

    def __call__(self, x):
        """Logits for every bit of the sum, (batch, time, 1), from ``x`` (batch, time, 2)."""
        pairs = self.one_hot(x)
        h = self.cell(pairs) if self.parallel else self.cell.sequential(pairs)
        h_before = tf.concat([tf.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # carry into column t
        hidden = tf.tanh(tf.concat([h_before, pairs], axis=-1) @ self.W_1 + self.b_1)
        return hidden @ self.W_2 + self.b_2

    def predict_bits(self, x):
        """The predicted bits of the sum (0 or 1), shape (batch, time), as a NumPy int array."""
        return (self(x).numpy()[..., 0] > 0).astype(np.int64)

    def add(self, a, b, width=None):
        """The network's answer to ``a + b`` for non-negative Python ints of any size."""
        width = width_for_sum(a, b) if width is None else width
        return from_bits(self.predict_bits(pair_to_input(a, b, width))[0])
