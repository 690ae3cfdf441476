"""Several adders run and trained side by side as one: every weight gets a leading model axis.

Three seeds of one recipe, or adders of four hidden sizes, are independent runs. Run one after
another, each pays for its own thousands of small operations. Stacked, each weight gets a
leading axis with one slice per adder, and one batched operation serves them all:

- ``W`` (model, input, hidden), ``U`` (model, hidden, hidden) and ``b`` (model, 1, hidden): with
  a state ``h_tm1`` (model, batch, hidden), ``GRU.step`` itself computes every model's step, since
  ``@`` multiplies slice by slice and ``+ b`` broadcasts over the batch. The step is not retyped.
- ``W_y`` (model, 1, hidden, 1) and ``b_y`` (model, 1, 1, 1): ``h @ W_y + b_y`` turns the states
  (model, batch, time, hidden) into logits (model, batch, time, 1) the same way.

Training adds the models' losses. Each slice's gradient is then its own model's gradient, and Adam
updates every number on its own, so one stacked run is as many independent runs.

Adders of different hidden sizes stack after padding each to the largest with zeros (``padded``):
a unit whose weights in and out are all zero has ``h̃_t = tanh(0) = 0``, so it starts at 0 and
stays 0; it reaches neither the other units nor the readout, so each of its weights gets a
gradient of exactly 0, and Adam leaves it at 0. The padded model computes the small one's sums.

>>> from gru_helpers import Adder, make_batch
>>> adders = [Adder(hidden_size=4, seed=seed) for seed in (0, 1, 2)]
>>> stacked = StackedAdders(adders)
>>> x, y = make_batch(np.random.default_rng(0), batch_size=5, width=6)
>>> stacked(x).shape                         # the same batch for every model
TensorShape([3, 5, 6, 1])
>>> bool(np.allclose(stacked(x)[1], adders[1](x), atol=1e-6))
True
"""

import numpy as np
import tensorflow as tf

from .gru import GRU, PARAMETER_NAMES, compiled_for_any_length, written_out
from .train import LOSSES, adam

NAMES = PARAMETER_NAMES + ("W_y", "b_y")
"""The eleven weights of an adder: the GRU's nine, then the readout's two."""

HIDDEN_AXES = {"W": (1,), "U": (0, 1), "b": (0,), "W_y": (0,), "b_y": ()}
"""Which axes of each kind of weight count hidden units (``W_z``, ``W_r``, ``W_h`` are "W")."""


def weights_of(adder):
    """The eleven weights of ``adder`` as a dict of NumPy arrays, keyed by ``NAMES``.

    >>> from gru_helpers import Adder
    >>> w = weights_of(Adder(hidden_size=3))
    >>> w["W_z"].shape, w["U_z"].shape, w["b_z"].shape, w["W_y"].shape, w["b_y"].shape
    ((2, 3), (3, 3), (3,), (3, 1), (1,))
    """
    return {**adder.gru.get_parameters(), "W_y": adder.W_y.numpy(), "b_y": adder.b_y.numpy()}


def set_weights(adder, weights):
    """Assign a dict like the one ``weights_of`` returns to ``adder``; returns ``adder``."""
    adder.gru.set_parameters({name: weights[name] for name in PARAMETER_NAMES})
    for name in ("W_y", "b_y"):
        variable, value = getattr(adder, name), np.asarray(weights[name])
        if value.shape != tuple(variable.shape):
            raise ValueError(f"{name}: expected shape {tuple(variable.shape)}, got {value.shape}")
        variable.assign(value)
    return adder


def hidden_axes(name):
    """The axes of weight ``name`` that count hidden units, from ``HIDDEN_AXES``."""
    return HIDDEN_AXES.get(name, HIDDEN_AXES[name[0]])


def padded(weights, size):
    """The weights of a ``size``-unit adder that computes what ``weights`` computes.

    Every hidden axis is padded with zeros up to ``size``: the extra units have no weight in or
    out, so they stay 0 and change nothing (see the module's docstring).

    >>> from gru_helpers import Adder
    >>> w = padded(weights_of(Adder(hidden_size=2)), 5)
    >>> w["W_z"].shape, w["U_z"].shape, w["b_z"].shape, w["W_y"].shape, w["b_y"].shape
    ((2, 5), (5, 5), (5,), (5, 1), (1,))
    >>> float(abs(w["U_h"][2:]).sum() + abs(w["U_h"][:, 2:]).sum())
    0.0
    """
    hidden = weights["U_z"].shape[0]
    if size < hidden:
        raise ValueError(f"size: expected at least the adder's {hidden} hidden units, got {size}")
    return {
        name: np.pad(
            np.asarray(value),
            [
                (0, size - n if axis in hidden_axes(name) else 0)
                for axis, n in enumerate(value.shape)
            ],
        )
        for name, value in weights.items()
    }


def cropped(weights, hidden_size):
    """The first ``hidden_size`` units of padded ``weights``: the inverse of ``padded``."""
    return {
        name: np.asarray(value)[
            tuple(
                slice(hidden_size) if axis in hidden_axes(name) else slice(None)
                for axis in range(np.ndim(value))
            )
        ]
        for name, value in weights.items()
    }


# The shape a weight has inside the stack, after its model axis: biases get an axis to broadcast
# over the batch (and the time axis, for the readout); W and U keep theirs.
def _stack_shape(name, shape):
    if name == "W_y":
        return (1,) + shape  # (1, hidden, 1): h (model, batch, time, hidden) @ it
    if name == "b_y":
        return (1, 1) + shape  # (1, 1, 1)
    if name.startswith("b_"):
        return (1,) + shape  # (1, hidden): broadcast over the batch
    return shape


class StackedAdders(tf.Module):
    """``adders`` as one model with a leading model axis; ``stacked(x)[i]`` is ``adders[i](x)``.

    ``hidden_size`` is the stack's width, by default the largest adder's; smaller adders are
    padded with zeros (``padded``). ``loss`` and ``learning_rate`` are what ``fit`` trains with
    (Adam, one optimizer for the whole stack). The adders themselves are not changed until
    ``copy_to_adders``.

    >>> from gru_helpers import Adder, make_batch
    >>> small = [Adder(hidden_size=k, seed=0) for k in (1, 3)]
    >>> stacked = StackedAdders(small, loss="cross_entropy", learning_rate=0.01)
    >>> stacked.W_z.shape, stacked.b_z.shape      # (model, input, hidden), (model, 1, hidden)
    (TensorShape([2, 2, 3]), TensorShape([2, 1, 3]))
    >>> x, y = make_batch(np.random.default_rng(0), batch_size=8, width=5)
    >>> bool(np.allclose(stacked(x)[0], small[0](x), atol=1e-6))
    True
    >>> losses = stacked.fit(x, y, steps=3)       # three Adam steps on this batch, in one graph
    >>> losses.shape                              # the last step's loss, one per model
    (2,)
    """

    step = GRU.step  # the GRU's own step: its products broadcast over the model axis
    max_unrolled_steps = GRU.max_unrolled_steps

    def __init__(
        self, adders, hidden_size=None, loss="cross_entropy", learning_rate=0.01, name=None
    ):
        super().__init__(name=name)
        if not adders:
            raise ValueError("adders: expected at least one Adder, got none")
        self.sizes = [adder.hidden_size for adder in adders]
        self.hidden_size = max(self.sizes) if hidden_size is None else int(hidden_size)
        self.models = len(adders)
        if loss not in LOSSES:
            raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")
        self.loss_fn = LOSSES[loss]
        dtype = adders[0].W_y.dtype
        each = [padded(weights_of(adder), self.hidden_size) for adder in adders]
        for name in NAMES:
            value = np.stack([w[name].reshape(_stack_shape(name, w[name].shape)) for w in each])
            setattr(self, name, tf.Variable(value, dtype=dtype, name=name))
        self.learning_rate, self.optimizer = learning_rate, None
        self._fit = self._fit_each = self._forward = None  # compiled on first use

    @property
    def variables_in_order(self):
        """The eleven stacked variables, in the order of ``NAMES``."""
        return [getattr(self, name) for name in NAMES]

    def __call__(self, x):
        """Logits (model, batch, time, 1) for ``x``: one batch (batch, time, 2) for every model,
        or one per model (model, batch, time, 2)."""
        x = tf.convert_to_tensor(x, dtype=self.W_z.dtype)
        h_t = tf.zeros(
            tf.concat([[self.models], tf.shape(x)[-3:-2], [self.hidden_size]], axis=0), x.dtype
        )
        steps = x.shape[-2]
        if steps is not None and 0 < steps <= self.max_unrolled_steps:
            states = written_out(self.step, h_t, tf.unstack(x, axis=-2))
            return self.readout(tf.stack(states, axis=-2))
        time_first = tf.transpose(x, [1, 0, 2] if x.shape.rank == 3 else [2, 0, 1, 3])
        h_time_first = tf.scan(self.step, time_first, initializer=h_t)  # (time, model, batch, H)
        return self.readout(tf.transpose(h_time_first, [1, 2, 0, 3]))

    def readout(self, h):
        """Logits (model, batch, time, 1) from states (model, batch, time, hidden): each
        model's own ``h_t W_y + b_y``, as ``Adder.readout`` computes it."""
        return h @ self.W_y + self.b_y

    def exact_share(self, x, y):
        """For each model, the share of the additions (x, y) whose every bit it gets right.

        The forward pass is compiled once for any batch size and length (``tf.scan`` runs the
        steps), so a 1024-step addition is one graph call, not a thousand eager steps.
        """
        if self._forward is None:
            self._forward = compiled_for_any_length(
                self.__call__, self.W_z.shape[1], self.W_z.dtype
            )
        right = (self._forward(x).numpy()[..., 0] > 0) == np.asarray(y)[..., 0]
        return right.all(axis=-1).mean(axis=-1)

    def fit(self, x, y, steps=1):
        """``steps`` Adam steps on the batch (x, y), run as one loop inside one ``tf.function``.

        ``x`` (batch, time, 2) is shared by every model, or (model, batch, time, 2) gives each its
        own; ``y`` likewise. The loss is the sum of the models' losses. Returns the last step's
        loss of each model, a NumPy array (model,). The optimizer's state carries over from call
        to call, as in one long run.
        """
        x, y = self._tensors(x, y)
        return self._compiled("_fit", self._fit_steps)(x, y, tf.constant(steps)).numpy()

    def fit_each(self, xs, ys):
        """One Adam step on each batch of ``xs`` (steps, batch, time, 2) and ``ys``, in order, in
        one ``tf.function``: a fresh batch every step, each shared by every model. Returns the
        last step's loss of each model."""
        xs, ys = self._tensors(xs, ys)
        return self._compiled("_fit_each", self._fit_each_steps)(xs, ys).numpy()

    def _tensors(self, x, y):
        dtype = self.W_z.dtype
        return tf.convert_to_tensor(x, dtype), tf.convert_to_tensor(y, dtype)

    def _compiled(self, name, function):
        """The ``tf.function`` of ``function``, made (with Adam) the first time it is asked for.

        Its loops are ``tf.while_loop`` and ``tf.scan``, not Python loops for AutoGraph to
        convert (``autograph=False``): converting the step's code took longer than tracing it.
        """
        if self.optimizer is None:
            self.optimizer = adam(self.variables_in_order, self.learning_rate)
        if getattr(self, name) is None:
            setattr(self, name, tf.function(function, autograph=False))
        return getattr(self, name)

    def _step(self, x, y):
        """One Adam step of every model on (x, y); returns each model's loss."""
        variables = self.variables_in_order
        ys = tf.unstack(y) if y.shape.rank == 4 else [y] * self.models
        with tf.GradientTape() as tape:
            logits = self(x)
            losses = tf.stack([self.loss_fn(logits[i], ys[i]) for i in range(self.models)])
            total = tf.reduce_sum(losses)
        self.optimizer(tape.gradient(total, variables))
        return losses

    def _fit_steps(self, x, y, steps):
        _, losses = tf.while_loop(
            lambda i, _: i < steps,
            lambda i, _: (i + 1, self._step(x, y)),
            (tf.constant(0), tf.zeros(self.models, x.dtype)),
        )
        return losses

    def _fit_each_steps(self, xs, ys):
        losses = tf.scan(
            lambda _, xy: self._step(*xy), (xs, ys), initializer=tf.zeros(self.models, xs.dtype)
        )
        return losses[-1]

    def weights(self, i):
        """Model ``i``'s weights in an adder's own shapes (``weights_of``), padding removed."""
        each = {name: getattr(self, name)[i].numpy() for name in NAMES}
        each = {
            name: value.reshape(value.shape[len(_stack_shape(name, ())) :])
            for name, value in each.items()
        }
        return cropped(each, self.sizes[i])

    def copy_to_adders(self, adders):
        """Write each model's weights into the matching adder of ``adders``; returns them."""
        for i, adder in enumerate(adders):
            set_weights(adder, self.weights(i))
        return adders
