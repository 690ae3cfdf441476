"""Recurrent networks of any kind, several seeds of each, run and trained side by side as one.

Notebook 07 compares a plain RNN, a GRU and a GRU with its update gate shut, five seeds of each.
Run one after another, fifteen small networks pay fifteen times for thousands of small
operations; stacked, one batched operation serves them all. ``side_by_side.py`` stacks adders;
this module stacks any recurrent cell: an object with a ``hidden_size``, its weights as
``tf.Variable`` attributes, and a ``step(h_tm1, x_t)`` that reads only those weights, as
``GRU`` has (and notebook 07's plain RNN).

- ``StackedNetworks(kinds, seeds)``: ``kinds`` maps a name to a function that draws a network
  from a seed. Every seed of every kind, in that order, becomes one slice of a leading network
  axis. Networks of one class share one stack: each weight (rows, cols) becomes
  (networks, rows, cols) and each bias (n,) becomes (networks, 1, n); the class's own ``step``
  then runs on the stacked weights unchanged, since ``@`` multiplies slice by slice and ``+ b``
  broadcasts over the batch. Each network also gets the adder's readout ``y_t = h_t W_y + b_y``,
  drawn as ``Adder(hidden_size, seed)`` draws its own: a stacked ``GRU(2, n, seed)`` with its
  readout is ``Adder(n, seed)``.
- ``run_cell(cell, x)``: every state of one cell, or of all the stacked networks at once.
- ``train_stacked(networks, steps)`` (side_by_side.py, the loop ``train_side_by_side`` runs for
  adders) trains every network at once. The loss is the sum of the networks' losses, so each
  slice gets exactly its own network's gradient, and Adam updates every number on its own: one
  stacked run is as many independent runs.

>>> from gru_helpers import GRU, make_batch
>>> networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1, 2])
>>> x, y = make_batch(np.random.default_rng(0), batch_size=5, width=6)
>>> run_cell(networks, x).shape                  # (networks, batch, time, hidden)
TensorShape([3, 5, 6, 4])
>>> bool(np.allclose(run_cell(networks, x)[1], GRU(2, 4, seed=1)(x), atol=1e-6))
True
>>> {name: shares.shape for name, shares in networks.each(np.zeros((3, 7))).items()}
{'GRU': (3, 7)}
"""

import numpy as np
import tensorflow as tf

from .adder import Adder
from .gru import check_size
from .train import check_pair


def run_cell(cell, x, h0=None):
    """Every state ``h_t = cell.step(h_tm1, x_t)`` for ``x`` (batch, time, input), from ``h0``.

    ``h0`` is zeros by default. Returns (batch, time, hidden); for ``StackedNetworks``,
    (networks, batch, time, hidden), from one ``x`` for every network or one per network,
    (networks, batch, time, input). The loop is notebook 04's: ``tf.scan`` walks the time axis.
    (``GRU`` writes short loops out step by step instead, which makes each training step faster
    but tracing slower: for the short runs of notebook 07, tracing is most of the cost.)

    >>> from gru_helpers import GRU
    >>> gru, x = GRU(2, 3, seed=0), np.ones((4, 5, 2), np.float32)
    >>> bool(np.allclose(run_cell(gru, x), gru(x), atol=1e-6))
    True
    """
    dtype = cell.trainable_variables[0].dtype
    x = tf.convert_to_tensor(x, dtype)
    if h0 is None:
        networks = [cell.networks] if isinstance(cell, StackedNetworks) else []
        h0 = tf.zeros([*networks, tf.shape(x)[-3], cell.hidden_size], dtype)
    time_first = tf.experimental.numpy.moveaxis(x, -2, 0)
    states = tf.scan(cell.step, time_first, initializer=h0)
    return tf.experimental.numpy.moveaxis(states, 0, -2)


def stacked_values(name, values):
    """The arrays ``values`` (one per network) stacked on a new first axis; a bias (n,) becomes
    (networks, 1, n), to broadcast over the batch.

    >>> stacked_values("b", [np.zeros(3), np.ones(3)]).shape
    (2, 1, 3)
    """
    shapes = {np.shape(value) for value in values}
    if len(shapes) > 1:
        raise ValueError(f"{name}: expected one shape for every network, got {sorted(shapes)}")
    stacked = np.stack(values)
    return stacked[:, np.newaxis] if stacked.ndim == 2 else stacked


class Stack(tf.Module):
    """Networks of one class as one: each of their ``tf.Variable`` attributes gets a first axis.

    ``step`` is the class's own step, run on the stacked weights: ``h_tm1`` is
    (networks, batch, hidden) and ``x_t`` (batch, input) for all, or (networks, batch, input).
    """

    def __init__(self, networks):
        super().__init__()
        self.kind = type(networks[0])
        self.hidden_size = networks[0].hidden_size
        self.shapes = {}  # each weight's shape in one network
        for name, value in vars(networks[0]).items():
            if isinstance(value, tf.Variable):
                values = [getattr(network, name).numpy() for network in networks]
                self.shapes[name] = values[0].shape
                stacked = stacked_values(name, values)
                setattr(self, name, tf.Variable(stacked, dtype=value.dtype, name=name))
        if not self.shapes:
            raise ValueError(
                "kinds: expected networks with tf.Variable attributes, got a "
                f"{self.kind.__name__} with none"
            )

    def step(self, h_tm1, x_t):
        return self.kind.step(self, h_tm1, x_t)


class StackedNetworks(tf.Module):
    """Every seed of every kind of network as one, each with the adder's readout.

    ``kinds`` maps a name to a function ``seed -> network``; the networks are ordered by kind,
    then by seed, and ``seeds[i]`` is network i's seed. Consecutive networks of one class
    share one ``Stack``. ``step`` runs one step of all of them, ``self(x)`` gives every
    network's logits, (networks, batch, time, 1), and ``each`` splits a result by kind.

    >>> from gru_helpers import Adder, GRU, make_batch
    >>> networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1])
    >>> x, _ = make_batch(np.random.default_rng(0), batch_size=5, width=6)
    >>> networks(x).shape
    TensorShape([2, 5, 6, 1])
    >>> bool(np.allclose(networks(x)[1], Adder(hidden_size=4, seed=1)(x), atol=1e-6))
    True
    """

    def __init__(self, kinds, seeds, name=None):
        super().__init__(name=name)
        self.names, seeds = list(kinds), [int(seed) for seed in seeds]
        if not self.names or not seeds:
            raise ValueError(
                f"kinds, seeds: expected at least one kind and one seed, got {len(self.names)} "
                f"kinds and {len(seeds)} seeds"
            )
        networks = [kinds[name](seed) for name in self.names for seed in seeds]
        for name, network in zip([n for n in self.names for _ in seeds], networks):
            if not (hasattr(network, "step") and hasattr(network, "hidden_size")):
                raise ValueError(
                    f"kinds: expected {name!r} to draw a recurrent cell with a step and a "
                    f"hidden_size, got {type(network).__name__}"
                )
        self.seeds = seeds * len(self.names)
        self.networks = len(networks)
        sizes = {name: networks[k * len(seeds)].hidden_size for k, name in enumerate(self.names)}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"kinds: expected one hidden_size for every kind, got {sizes}")
        self.hidden_size = check_size("hidden_size", networks[0].hidden_size)
        runs = [[networks[0]]]  # consecutive networks of one class
        for network in networks[1:]:
            if type(network) is type(runs[-1][0]):
                runs[-1].append(network)
            else:
                runs.append([network])
        self.stacks = [Stack(run) for run in runs]
        self.sizes = [len(run) for run in runs]
        self.dtype = self.stacks[0].trainable_variables[0].dtype
        readouts = [Adder(self.hidden_size, seed) for seed in self.seeds]
        W_y = np.stack([adder.W_y.numpy()[:, 0] for adder in readouts])  # (networks, hidden)
        self.W_y = tf.Variable(W_y[:, np.newaxis, np.newaxis], dtype=self.dtype, name="W_y")
        self.b_y = tf.Variable(tf.zeros((self.networks, 1, 1, 1), self.dtype), name="b_y")
        self._compiled = {}  # the forward pass compiled for any length, by rank of x (logits)

    def step(self, h_tm1, x_t):
        """One step of every network: ``h_tm1`` (networks, batch, hidden), ``x_t`` (batch, input)
        for every network or (networks, batch, input), one per network."""
        if len(self.stacks) == 1:
            return self.stacks[0].step(h_tm1, x_t)
        h_parts = tf.split(h_tm1, self.sizes, axis=0)
        x_parts = (
            tf.split(x_t, self.sizes, axis=0) if x_t.shape.rank == 3 else [x_t] * len(self.sizes)
        )
        return tf.concat([s.step(h, x) for s, h, x in zip(self.stacks, h_parts, x_parts)], 0)

    def readout(self, h):
        """Logits (networks, batch, time, 1) from states (networks, batch, time, hidden): each
        network's own ``h_t W_y + b_y``, computed as ``Adder.readout`` computes it."""
        return tf.reduce_sum(h * self.W_y, axis=-1, keepdims=True) + self.b_y

    def __call__(self, x):
        """Every network's logits (networks, batch, time, 1) for ``x`` (batch, time, input), one
        batch for all, or (networks, batch, time, input), one per network."""
        return self.readout(run_cell(self, x))

    def logits(self, x):
        """``self(x)`` through one graph, traced once for any batch size and length (per rank of
        ``x``): for evaluating, where running ``tf.scan`` eagerly launches every operation of
        every step from Python."""
        x = np.asarray(x, self.dtype.as_numpy_dtype)
        if x.ndim not in self._compiled:
            models = (self.networks,) if x.ndim == 4 else ()  # one batch per model, or one for all
            spec = tf.TensorSpec(models + (None, None, x.shape[-1]), self.dtype)
            self._compiled[x.ndim] = tf.function(
                self.__call__, input_signature=[spec], autograph=False
            )
        return self._compiled[x.ndim](x)

    def exact_share(self, x, y, chunk=250):
        """For each network, the share of the sequences (x, y) whose every answer it gets right
        (a logit above 0 for a 1), one shared batch x (batch, time, input), y (batch, time, 1).

        ``chunk`` sequences at a time: for ten networks, the states of 1000 64-bit additions
        take 40 MB, and as much again to reorder.
        """
        x, y = check_pair("x, y", (x, y), inputs=None)
        right = [
            ((self.logits(x[i : i + chunk]).numpy() > 0) == y[i : i + chunk]).all(axis=(-2, -1))
            for i in range(0, len(x), chunk)
        ]
        return np.concatenate(right, axis=1).mean(axis=1)

    def each(self, values):
        """Split ``values``, whose first axis runs over the networks, by kind: {name: values}.

        >>> from gru_helpers import GRU
        >>> networks = StackedNetworks({"a": lambda s: GRU(2, 3, s), "b": lambda s: GRU(2, 3, s)},
        ...                            seeds=[0, 1])
        >>> networks.each([10, 11, 20, 21])
        {'a': array([10, 11]), 'b': array([20, 21])}
        """
        values = np.asarray(values)
        if values.ndim == 0 or len(values) != self.networks:
            raise ValueError(
                f"values: expected a first axis of {self.networks} (one per network), got shape "
                f"{values.shape}"
            )
        per_kind = self.networks // len(self.names)
        return {
            name: values[k * per_kind : (k + 1) * per_kind] for k, name in enumerate(self.names)
        }

    def _where(self, i):
        """The stack that holds network ``i``, and the network's index in it."""
        if not 0 <= i < self.networks:
            raise ValueError(f"i: expected a network from 0 to {self.networks - 1}, got {i}")
        for stack, size in zip(self.stacks, self.sizes):
            if i < size:
                return stack, i
            i -= size

    def weights(self, i):
        """Network ``i``'s weights as {name: array} in its own shapes, its readout's last."""
        stack, j = self._where(i)
        weights = {
            name: getattr(stack, name)[j].numpy().reshape(shape)
            for name, shape in stack.shapes.items()
        }
        weights["W_y"] = self.W_y[i].numpy().reshape(self.hidden_size, 1)
        weights["b_y"] = self.b_y[i].numpy().reshape(1)
        return weights

    def set_weights(self, i, weights):
        """Write ``weights`` (as ``weights`` returns them) into network ``i``'s slices."""
        stack, j = self._where(i)
        for name in stack.shapes:
            variable = getattr(stack, name)
            variable[j].assign(np.reshape(weights[name], variable.shape[1:]))
        self.W_y[i].assign(np.reshape(weights["W_y"], self.W_y.shape[1:]))
        self.b_y[i].assign(np.reshape(weights["b_y"], self.b_y.shape[1:]))
