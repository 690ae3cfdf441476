"""A gated recurrent unit written out from its four equations, run over time with ``tf.scan``.

The equations (Chung et al. 2014), for one time step, row vectors, ``∘`` element-wise::

    z_t  = σ(x_t W_z + h_tm1 U_z + b_z)            update gate
    r_t  = σ(x_t W_r + h_tm1 U_r + b_r)            reset gate
    h̃_t  = tanh(x_t W_h + (r_t ∘ h_tm1) U_h + b_h) candidate state
    h_t  = (1 - z_t) ∘ h_tm1 + z_t ∘ h̃_t           new state

W has shape (input, hidden), U (hidden, hidden), b (hidden,).
"""

import numpy as np
import tensorflow as tf

PARAMETER_NAMES = ("W_z", "U_z", "b_z", "W_r", "U_r", "b_r", "W_h", "U_h", "b_h")


class GRU(tf.Module):
    """A GRU layer whose nine parameters are attributes named as in the paper.

    >>> gru = GRU(input_size=2, hidden_size=3, seed=0)
    >>> gru.W_z.shape, gru.U_z.shape, gru.b_z.shape
    (TensorShape([2, 3]), TensorShape([3, 3]), TensorShape([3]))
    >>> gru(tf.zeros((4, 5, 2))).shape          # (batch, time, hidden): every hidden state
    TensorShape([4, 5, 3])
    """

    def __init__(self, input_size, hidden_size, seed=0, dtype=tf.float32, name=None):
        super().__init__(name=name)
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        rng = np.random.default_rng(seed)

        def weight(name, rows):
            # Glorot-uniform, as Keras does: keeps each gate's input near unit variance.
            limit = np.sqrt(6 / (rows + self.hidden_size))
            value = rng.uniform(-limit, limit, size=(rows, self.hidden_size))
            return tf.Variable(value, dtype=dtype, name=name)

        for gate in "zrh":
            setattr(self, f"W_{gate}", weight(f"W_{gate}", self.input_size))
            setattr(self, f"U_{gate}", weight(f"U_{gate}", self.hidden_size))
            setattr(
                self, f"b_{gate}", tf.Variable(tf.zeros(self.hidden_size, dtype), name=f"b_{gate}")
            )

    def step(self, h_tm1, x_t):
        """One time step: ``h_tm1`` (batch, hidden) and ``x_t`` (batch, input) give ``h_t``."""
        z_t = tf.sigmoid(x_t @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        r_t = tf.sigmoid(x_t @ self.W_r + h_tm1 @ self.U_r + self.b_r)
        h_tilde = tf.tanh(x_t @ self.W_h + (r_t * h_tm1) @ self.U_h + self.b_h)
        return (1 - z_t) * h_tm1 + z_t * h_tilde

    def initial_state(self, x):
        """Zeros of shape (batch, hidden) for a batch ``x`` of shape (batch, time, input)."""
        return tf.zeros((tf.shape(x)[0], self.hidden_size), dtype=self.W_z.dtype)

    def __call__(self, x, h0=None):
        """Every hidden state for ``x`` of shape (batch, time, input): shape (batch, time, hidden).

        ``tf.scan`` walks the first axis, so time goes first while it runs.
        """
        x = tf.convert_to_tensor(x, dtype=self.W_z.dtype)
        h0 = (
            self.initial_state(x) if h0 is None else tf.convert_to_tensor(h0, dtype=self.W_z.dtype)
        )
        x_time_major = tf.transpose(x, [1, 0, 2])
        h_time_major = tf.scan(self.step, x_time_major, initializer=h0)
        return tf.transpose(h_time_major, [1, 0, 2])

    def gates(self, x):
        """The update gate, reset gate and hidden state at every step, each (batch, time, hidden).

        Returns a dict with keys ``z``, ``r`` and ``h``; for looking inside, not for training.
        """
        x = tf.convert_to_tensor(x, dtype=self.W_z.dtype)
        h = self(x)
        h_tm1 = tf.concat([self.initial_state(x)[:, tf.newaxis], h[:, :-1]], axis=1)
        z = tf.sigmoid(x @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        r = tf.sigmoid(x @ self.W_r + h_tm1 @ self.U_r + self.b_r)
        return {"z": z.numpy(), "r": r.numpy(), "h": h.numpy()}

    def get_parameters(self):
        """The nine parameters as a dict of NumPy arrays, keyed by their names in the paper."""
        return {name: getattr(self, name).numpy() for name in PARAMETER_NAMES}

    def set_parameters(self, parameters):
        """Assign the parameters from a dict like the one ``get_parameters`` returns."""
        missing = set(PARAMETER_NAMES) - set(parameters)
        if missing:
            raise KeyError(f"missing parameters: {sorted(missing)}")
        for name in PARAMETER_NAMES:
            variable, value = getattr(self, name), np.asarray(parameters[name])
            if value.shape != tuple(variable.shape):
                raise ValueError(
                    f"{name}: expected shape {tuple(variable.shape)}, got {value.shape}"
                )
            variable.assign(value)


def to_keras_weights(parameters):
    """The weights of ``keras.layers.GRU(reset_after=False)`` that compute the same function.

    Keras keeps its gates side by side in the order z, r, h, and its update gate means the
    opposite: it keeps ``z`` of the old state where this GRU keeps ``1 - z``. Since
    σ(-a) = 1 - σ(a), negating W_z, U_z and b_z turns one convention into the other.

    Returns ``[kernel (input, 3*hidden), recurrent_kernel (hidden, 3*hidden), bias (3*hidden,)]``,
    the order of ``layer.set_weights``.
    """
    p = parameters
    kernel = np.concatenate([-p["W_z"], p["W_r"], p["W_h"]], axis=1)
    recurrent_kernel = np.concatenate([-p["U_z"], p["U_r"], p["U_h"]], axis=1)
    bias = np.concatenate([-p["b_z"], p["b_r"], p["b_h"]])
    return [kernel, recurrent_kernel, bias]


def from_keras_weights(weights):
    """The nine parameters from a ``keras.layers.GRU(reset_after=False)`` layer's weights.

    The inverse of ``to_keras_weights``.

    >>> p = GRU(2, 3).get_parameters()
    >>> q = from_keras_weights(to_keras_weights(p))
    >>> all(np.array_equal(p[name], q[name]) for name in PARAMETER_NAMES)
    True
    """
    kernel, recurrent_kernel, bias = (np.asarray(w) for w in weights)
    if bias.ndim != 1:
        raise ValueError(
            f"expected a bias of shape (3*hidden,) as reset_after=False gives, got {bias.shape}"
        )
    W_z, W_r, W_h = np.split(kernel, 3, axis=1)
    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=1)
    b_z, b_r, b_h = np.split(bias, 3)
    return {
        "W_z": -W_z,
        "U_z": -U_z,
        "b_z": -b_z,
        "W_r": W_r,
        "U_r": U_r,
        "b_r": b_r,
        "W_h": W_h,
        "U_h": U_h,
        "b_h": b_h,
    }
