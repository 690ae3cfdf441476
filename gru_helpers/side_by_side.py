"""Several adders run and trained side by side as one: every weight gets a leading model axis.

Twenty seeds of one recipe, or adders of four hidden sizes, are independent runs. Run one after
another, each pays for its own thousands of small operations. Stacked, each weight gets a
leading axis with one slice per adder, and one batched operation serves them all:

- ``W`` (model, input, hidden), ``U`` (model, hidden, hidden) and ``b`` (model, 1, hidden): with
  a state ``h_tm1`` (model, batch, hidden), ``GRU.step`` itself computes every model's step, since
  ``@`` multiplies slice by slice and ``+ b`` broadcasts over the batch. The step is not retyped.
- ``W_y`` (model, 1, hidden, 1) and ``b_y`` (model, 1, 1, 1): ``h @ W_y + b_y`` turns the states
  (model, batch, time, hidden) into logits (model, batch, time, 1) the same way.

``train_side_by_side`` trains the stack on the sum of the adders' losses. Each slice's gradient is
then its own adder's gradient, and Adam updates every number on its own, so one stacked run is as
many independent runs, each with its own batches.

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

from .bits import check_non_negative, make_batch
from .gru import GRU, PARAMETER_NAMES, written_out
from .train import (
    LOSSES,
    History,
    adam,
    check_arguments,
    check_callable,
    check_losses_finite,
    check_pair,
    compiled_steps,
    exact_share_of_logits,
    stacked_batches,
)

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
    padded with zeros (``padded``). The adders themselves are not changed until
    ``copy_to_adders``.

    >>> from gru_helpers import Adder, make_batch
    >>> small = [Adder(hidden_size=k, seed=0) for k in (1, 3)]
    >>> stacked = StackedAdders(small)
    >>> stacked.W_z.shape, stacked.b_z.shape      # (model, input, hidden), (model, 1, hidden)
    (TensorShape([2, 2, 3]), TensorShape([2, 1, 3]))
    >>> x, y = make_batch(np.random.default_rng(0), batch_size=8, width=5)
    >>> bool(np.allclose(stacked(x)[0], small[0](x), atol=1e-6))
    True
    """

    step = GRU.step  # the GRU's own step: its products broadcast over the model axis
    max_unrolled_steps = GRU.max_unrolled_steps

    def __init__(self, adders, hidden_size=None, name=None):
        super().__init__(name=name)
        if not adders:
            raise ValueError("adders: expected at least one Adder, got none")
        self.sizes = [adder.hidden_size for adder in adders]
        self.hidden_size = max(self.sizes) if hidden_size is None else int(hidden_size)
        self.models = len(adders)
        dtype = adders[0].W_y.dtype
        each = [padded(weights_of(adder), self.hidden_size) for adder in adders]
        for name in NAMES:
            value = np.stack([w[name].reshape(_stack_shape(name, w[name].shape)) for w in each])
            setattr(self, name, tf.Variable(value, dtype=dtype, name=name))
        self._compiled = {}  # the forward pass compiled for any length, by rank of x
        self._exact_sums = None  # compiled on first use

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

    def logits(self, x):
        """``self(x)`` through one graph, compiled for any batch size and length (per rank of
        x): a 4096-step addition is one call, not thousands of eager operations."""
        x = np.asarray(x)
        if x.ndim not in self._compiled:
            models = (self.models,) if x.ndim == 4 else ()  # one batch per model, or one for all
            spec = tf.TensorSpec(models + (None, None, x.shape[-1]), self.W_z.dtype)
            self._compiled[x.ndim] = tf.function(
                self.__call__, input_signature=[spec], autograph=False
            )
        return self._compiled[x.ndim](x.astype(self.W_z.dtype.as_numpy_dtype))

    def exact_share(self, x, y):
        """For each model, the share of the additions (x, y) whose every bit it gets right."""
        return self.exact_sums(x, y).mean(axis=-1)

    def exact_sums(self, x, y):
        """Whether each model gets every bit of each addition right: (model, batch) booleans.

        One batch (batch, time, 2) for every model. The steps run in one ``tf.foldl`` that
        keeps only the state and, per sum, "every bit right so far", not the states of every
        step: 4096-bit sums for dozens of models fit in a few megabytes.
        """
        if self._exact_sums is None:
            dtype = self.W_z.dtype
            spec = [tf.TensorSpec((None, None, 2), dtype), tf.TensorSpec((None, None, 1), dtype)]
            self._exact_sums = tf.function(self._all_bits_right, spec, autograph=False)
        dtype = self.W_z.dtype.as_numpy_dtype
        return self._exact_sums(np.asarray(x, dtype), np.asarray(y, dtype)).numpy()

    def _all_bits_right(self, x, y):
        h0 = tf.zeros((self.models, tf.shape(x)[0], self.hidden_size), x.dtype)
        right0 = tf.ones((self.models, tf.shape(x)[0]), tf.bool)

        def column(state, xy):
            h_tm1, right = state
            x_t, y_t = xy  # (batch, 2) and (batch, 1)
            h_t = self.step(h_tm1, x_t)
            logit = h_t @ self.W_y[:, 0] + self.b_y[:, 0]  # (model, batch, 1)
            return h_t, right & ((logit[..., 0] > 0) == (y_t[:, 0] > 0.5))

        time_first = lambda t: tf.transpose(t, [1, 0, 2])  # noqa: E731
        _, right = tf.foldl(column, (time_first(x), time_first(y)), initializer=(h0, right0))
        return right

    def weights(self, i):
        """Model ``i``'s weights in an adder's own shapes (``weights_of``), padding removed."""
        each = {name: getattr(self, name)[i].numpy() for name in NAMES}
        each = {
            name: value.reshape(value.shape[len(_stack_shape(name, ())) :])
            for name, value in each.items()
        }
        return cropped(each, self.sizes[i])

    def set_weights(self, i, weights):
        """Write one adder's weights (as ``weights_of`` gives them) into model ``i``'s slices."""
        for name, value in padded(weights, self.hidden_size).items():
            variable = getattr(self, name)
            variable[i].assign(np.reshape(value, variable.shape[1:]))

    def copy_to_adders(self, adders):
        """Write each model's weights into the matching adder of ``adders``; returns them."""
        for i, adder in enumerate(adders):
            set_weights(adder, self.weights(i))
        return adders


def train_side_by_side(
    adders,
    steps,
    seeds,
    width=17,
    batch_size=64,
    learning_rate=0.01,
    loss="cross_entropy",
    batches=None,
    validation=None,
    eval_every=25,
    stop=None,
):
    """``train`` for several adders at once, ``seeds[i]`` for ``adders[i]``; one History each.

    The arguments are ``train``'s. Each adder draws its batches and its held-out additions from
    its own seed, as ``train(adder, seed=seed)`` would, and stops on its own: when its stopping
    rule fires (or at the last step) its weights are copied back into it and its history ends.
    The stack trains on until every adder has stopped. Each adder ends where ``train`` alone
    would take it, up to the rounding of the batched arithmetic, which can grow over a long run.

    >>> from gru_helpers import Adder, exact_for
    >>> adders = [Adder(hidden_size=4, seed=seed) for seed in (0, 1)]
    >>> histories = train_side_by_side(adders, steps=50, seeds=[0, 1], stop=exact_for(0))
    >>> [history.step[-1] for history in histories]   # neither has learned in 50 steps
    [50, 50]
    """
    seeds = list(seeds)
    if len(seeds) != len(adders):
        raise ValueError(f"seeds: expected one seed per adder ({len(adders)}), got {len(seeds)}")
    stack = StackedAdders(adders)
    histories = train_stacked(
        stack,
        steps,
        seeds,
        width=width,
        batch_size=batch_size,
        learning_rate=learning_rate,
        loss=loss,
        batches=batches,
        validation=validation,
        eval_every=eval_every,
        stop=stop,
    )
    stack.copy_to_adders(adders)
    return histories


def evaluate(stack, x, y, loss_fn, scored=lambda t: t, chunk=250):
    """Each model's loss and exact share on its held-out (x, y), ``chunk`` sums at a time: the
    states of 1000 sums for 20 models at once would take hundreds of megabytes. Each chunk's
    mean counts by its share of the sums, so the result is that of all of them at once."""
    dtype = stack.trainable_variables[0].dtype.as_numpy_dtype
    losses, exact = 0.0, 0.0
    for start in range(0, x.shape[1], chunk):
        x_part, y_part = x[:, start : start + chunk], y[:, start : start + chunk].astype(dtype)
        logits, share = stack.logits(x_part), x_part.shape[1] / x.shape[1]
        losses += share * loss_fn(logits, y_part).numpy()
        exact += share * exact_share_of_logits(scored(logits), scored(y_part))
    return losses, exact


def train_stacked(
    stack,
    steps,
    seeds=None,
    width=17,
    batch_size=64,
    learning_rate=0.01,
    loss="cross_entropy",
    batches=None,
    validation=None,
    eval_every=25,
    stop=None,
    last_step_only=False,
):
    """``train``'s loop for every model of ``stack`` at once, model ``i`` from ``seeds[i]``
    (by default ``stack.seeds``); one History each. When a model stops, its weights are kept;
    at the end each model's slice of the stack holds the weights of its own stop.

    ``stack`` is a model with a leading model axis: ``stack(x)`` and ``stack.logits(x)`` give
    logits (model, batch, time, 1) for x (model, batch, time, inputs), and
    ``stack.weights(i)`` and ``stack.set_weights(i, weights)`` read and write one model's
    weights: ``StackedAdders``, or ``StackedNetworks`` (stacked_networks.py). The other
    arguments are ``train_side_by_side``'s; ``last_step_only=True`` scores only each sequence's
    last step, in the loss and in the held-out share alike: for a task whose one answer comes
    after the last input.

    >>> from gru_helpers import GRU, StackedNetworks
    >>> networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1])
    >>> [history.step for history in train_stacked(networks, steps=50)]
    [[25, 50], [25, 50]]
    """
    if not all(hasattr(stack, name) for name in ("logits", "weights", "set_weights")):
        raise ValueError(
            "stack: expected models stacked as one (StackedAdders, StackedNetworks), got "
            f"{type(stack).__name__}"
        )
    seeds = [
        check_non_negative("seeds", seed) for seed in (stack.seeds if seeds is None else seeds)
    ]
    check_callable(batches=batches, stop=stop)
    check_arguments(steps, width, batch_size, eval_every, learning_rate, loss)
    scored = (lambda t: t[..., -1:, :]) if last_step_only else (lambda t: t)  # noqa: E731
    loss_fn = lambda logits, y: LOSSES[loss](scored(logits), scored(y))  # noqa: E731
    rngs = [np.random.default_rng(seed) for seed in seeds]
    if batches is None:
        batches = lambda rng: make_batch(rng, batch_size, width)  # noqa: E731
    if validation is None:
        validations = [make_batch(np.random.default_rng([s, 2**31]), 1000, width) for s in seeds]
    else:
        validations = [check_pair("validation", validation, None)] * len(seeds)
    x_val, y_val = stacked_batches(validations, "validation")
    update = adam(stack.trainable_variables, learning_rate)
    compiled = {}  # compiled_steps for each shape of batch, traced at its first use

    histories, running, kept, step = [History() for _ in seeds], list(range(len(seeds))), {}, 0
    while step < steps and running:
        k = min(eval_every - step % eval_every, steps - step)
        each_step = [stacked_batches([batches(rng) for rng in rngs]) for _ in range(k)]
        xs, ys = (np.stack(part) for part in zip(*each_step))  # (k, model, batch, time, ...)
        shape = xs.shape[1:]
        if shape not in compiled:
            compiled[shape] = compiled_steps(stack, shape, update, loss_fn)
        losses = compiled[shape](xs, ys).numpy()  # (k, model)
        check_losses_finite(losses[:, running], step + 1, learning_rate)
        step += k
        validation_losses, exact = evaluate(stack, x_val, y_val, loss_fn, scored)
        for i in list(running):
            histories[i].record(step, losses[-1, i], validation_losses[i], exact[i])
            if stop is not None and stop(histories[i]):
                histories[i].stopped = True
            if histories[i].stopped or step == steps:
                kept[i] = stack.weights(i)
                running.remove(i)
    for i, weights in kept.items():
        stack.set_weights(i, weights)
    return histories
