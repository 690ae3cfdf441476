"""Training an adder: a fresh random mini-batch every step, Adam, and a loss on every bit.

Drawing a new batch each step means the network never sees the same additions twice, so the
loss on held-out additions tracks the training loss instead of drifting away from it.
"""

import copy
import logging
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from .adder import Adder
from .bits import add_bits, check_non_negative, check_width, make_batch
from .gru import check_size, compiled_for_any_length


class _NotRetracing(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning about ``compiled_steps``.

    Each kind of adder that ``train`` meets gets its own compiled function (see ``Trainer``),
    traced once; TensorFlow counts them together and, from the fifth kind on, warns of
    retracing.
    """

    def filter(self, record):
        return "compiled_steps" not in record.getMessage()


tf.get_logger().addFilter(_NotRetracing())


def cross_entropy(logits, y):
    """Mean sigmoid cross-entropy over every bit: the loss of a yes/no answer per bit."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))


def squared_error(logits, y):
    """The original post's loss: half the squared error, summed over bits, averaged over the batch.

    The original read its output as a number and called it 1 above 0.5; ``logits + 0.5`` is that
    number here, so both read a bit as 1 exactly when the logit is above 0.
    """
    return tf.reduce_sum(0.5 * tf.square(logits + 0.5 - y)) / tf.cast(tf.shape(y)[0], y.dtype)


LOSSES = {"cross_entropy": cross_entropy, "squared_error": squared_error}


def exact_share(adder, x, y):
    """The share of additions in (x, y) whose every bit the adder gets right, from 0 to 1."""
    return exact_share_of_logits(adder(x), y)


def exact_share_of_logits(logits, y):
    """``exact_share`` from logits already computed: a bit is 1 where its logit is above 0."""
    right = (np.asarray(logits)[..., 0] > 0) == y[..., 0]
    return float(np.mean(right.all(axis=1)))


@dataclass
class History:
    """What ``train`` measured: one entry per evaluation."""

    step: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    validation_loss: list = field(default_factory=list)
    validation_exact: list = field(default_factory=list)
    learned: bool = False
    """Whether ``train(stop_when_exact=True)`` stopped because the adder had learned."""


def check_pair(name, pair, inputs=2):
    """``pair`` as ``(x, y)`` float arrays of shapes (batch, time, inputs) and (batch, time, 1).

    >>> x, y = check_pair("fixed_batch", make_batch(np.random.default_rng(0), 4, 3))
    >>> check_pair("fixed_batch", (x, y[:, :2]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: fixed_batch: expected (x, y) of shapes ..., got (4, 3, 2) and (4, 2, 1)
    """
    try:
        x, y = (np.asarray(part, np.float32) for part in pair)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected a pair (x, y) of arrays, got {pair!r:.60}") from error
    if (
        x.ndim != 3
        or y.ndim != 3
        or x.shape[2] != inputs
        or y.shape != x.shape[:2] + (1,)
        or 0 in x.shape[:2]
    ):
        raise ValueError(
            f"{name}: expected (x, y) of shapes (batch, time, {inputs}) and (batch, time, 1), "
            f"got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{name}: expected finite numbers, got nan or inf in x or y")
    return x, y


def check_learning_rate(learning_rate):
    """``learning_rate`` as a float, or a ValueError if it is not a finite number above 0."""
    try:
        value = float(learning_rate)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"learning_rate: expected a finite number above 0, got {learning_rate!r}")
    return value


def adam(variables, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam's update for ``variables``, as a function of their gradients to call in a step.

    The arithmetic of ``keras.optimizers.Adam`` (same defaults), written with TensorFlow's
    fused Adam kernel: one operation per variable instead of about ten, which makes a training
    step about a fifth faster.
    """
    dtype = variables[0].dtype
    moments = [(tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))) for v in variables]
    beta_powers = tf.Variable([1.0, 1.0], dtype=dtype)  # beta_1**t and beta_2**t after step t

    def apply(gradients):
        powers = beta_powers.assign(beta_powers * tf.constant([beta_1, beta_2], dtype))
        # The scalars every variable's update shares, made once rather than once per variable:
        beta1_power, beta2_power = tf.unstack(powers)
        lr = tf.cast(learning_rate, dtype)
        beta1, beta2, eps = (tf.constant(c, dtype) for c in (beta_1, beta_2, epsilon))
        for variable, (m, v), gradient in zip(variables, moments, gradients):
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=beta1_power,
                beta2_power=beta2_power,
                lr=lr,
                beta1=beta1,
                beta2=beta2,
                epsilon=eps,
                grad=gradient,
            )

    def restart():
        """Forget every step so far: the next update is Adam's first again."""
        beta_powers.assign([1.0, 1.0])
        for m, v in moments:
            m.assign(tf.zeros_like(m))
            v.assign(tf.zeros_like(v))

    apply.restart = restart
    return apply


def compiled_steps(adder, x_shape, learning_rate=0.01, loss_fn=cross_entropy, jit_compile=False):
    """The function ``train`` calls between two evaluations: k training steps in one call.

    It takes k batches stacked, ``xs`` (k, *x_shape) and ``ys`` (k, batch, time, 1), float32,
    runs one step of Adam on ``loss_fn(adder(x), y)`` for each, and returns the k losses. It
    is one ``tf.function``, traced once for any k: with x's shape fixed, the GRU's loop is
    written out step by step; the k steps run in a ``tf.scan``. ``learning_rate`` may be a
    ``tf.Variable``, read at every step; ``train_steps.restart_adam()`` restarts Adam.

    >>> from gru_helpers.adder import Adder
    >>> steps = compiled_steps(Adder(hidden_size=4), (8, 5, 2))
    >>> x, y = make_batch(np.random.default_rng(0), 8, 5)
    >>> steps(np.stack([x, x, x]), np.stack([y, y, y])).shape   # three steps, three losses
    TensorShape([3])
    """
    variables = adder.trainable_variables
    dtype = variables[0].dtype  # batches are float32; the adder may be float64
    apply_adam = adam(variables, learning_rate)

    def train_step(x, y):
        with tf.GradientTape() as tape:
            value = loss_fn(adder(x), y)
        apply_adam(tape.gradient(value, variables))
        return value

    k_batches = [  # any number k of batches, stacked
        tf.TensorSpec((None, *x_shape), tf.float32),
        tf.TensorSpec((None, *x_shape[:2], 1), tf.float32),
    ]

    # No Python control flow to convert (autograph=False); the GRU's loop is a Python loop.
    @tf.function(input_signature=k_batches, autograph=False, jit_compile=jit_compile)
    def train_steps(xs, ys):
        xs, ys = tf.cast(xs, dtype), tf.cast(ys, dtype)
        return tf.scan(lambda _, xy: train_step(*xy), (xs, ys), initializer=tf.zeros((), dtype))

    train_steps.restart_adam = apply_adam.restart
    return train_steps


class Trainer:
    """A working copy of one kind of adder, with its compiled evaluation and steps, kept for reuse.

    Tracing and optimising ``compiled_steps`` takes longer than a hundred of its steps, and its
    graph depends only on the kind of adder, the batch shape and the loss, not on the weights. So
    ``train`` keeps one ``Trainer`` per kind of adder (``TRAINERS``), holding one compiled function
    per batch shape and loss it has met: each call copies its adder's weights into the copy, trains
    the copy and copies the weights back after every evaluation. A second adder of the same kind
    then trains without tracing anything.
    """

    def __init__(self, adder, working_copy=True):
        """``working_copy=False`` trains ``adder`` itself (for a model that is not shared)."""
        self.model = copy.deepcopy(adder) if working_copy else adder
        dtype = self.model.trainable_variables[0].dtype
        self.learning_rate = tf.Variable(0.01, dtype=dtype)
        self.compiled = {}
        """``compiled_steps`` for each (batch shape, loss, jit_compile), made on first use."""
        # Evaluations run through one compiled function for any length (the GRU's tf.scan path).
        self.logits = compiled_for_any_length(self.model, 2, dtype)

    def start(self, adder, learning_rate):
        """Take ``adder``'s weights and ``learning_rate``."""
        for mine, theirs in zip(self.model.trainable_variables, adder.trainable_variables):
            mine.assign(theirs)
        self.learning_rate.assign(learning_rate)

    def steps(self, x_shape, loss, jit_compile):
        """The compiled steps on batches of ``x_shape`` with ``loss``, Adam started afresh."""
        key = (tuple(x_shape), loss, jit_compile)
        if key not in self.compiled:
            self.compiled[key] = compiled_steps(
                self.model, x_shape, self.learning_rate, LOSSES[loss], jit_compile
            )
        self.compiled[key].restart_adam()
        return self.compiled[key]

    def copy_to(self, adder):
        """Write the trained weights back into ``adder``."""
        for mine, theirs in zip(self.model.trainable_variables, adder.trainable_variables):
            theirs.assign(mine)


TRAINERS = {}
"""``train``'s ``Trainer`` for each kind of adder, made on first use."""


def trainer_for(adder):
    """The ``Trainer`` from ``TRAINERS`` that fits ``adder``; a new one is made (and kept)
    for a kind not seen before. Only ``Adder`` itself is shared: another model (a subclass
    too) gets a ``Trainer`` of its own that trains it in place, kept nowhere."""
    if type(adder) is not Adder:
        return Trainer(adder, working_copy=False)
    kind = (type(adder.gru), adder.gru.max_unrolled_steps, adder.hidden_size, adder.W_y.dtype)
    if kind not in TRAINERS:
        TRAINERS[kind] = Trainer(adder)
    return TRAINERS[kind]


def carry_chain_batch(rng, batch_size, width):
    """Additions with a long carry chain, shaped like ``make_batch``'s: (x, y).

    Each addition of two ``width - 1``-bit numbers has a run of random length where exactly one
    operand's bit is 1, after a position where both bits are equal (both 1: a carry starts;
    both 0: none does) or from the first bit (no carry), and before two equal bits again.
    Through the run the sum bit is 0 with a carry and 1 without, and the bit after it depends
    on the carry too: the network must hold in its state, all along the run, which it is.

    >>> x, y = carry_chain_batch(np.random.default_rng(0), 3, 9)
    >>> x.shape, y.shape
    ((3, 9, 2), (3, 9, 1))
    """
    x, _ = make_batch(rng, batch_size, width)
    a, b = x[..., 0], x[..., 1]
    starts = rng.integers(0, width - 2, batch_size)
    starts[rng.random(batch_size) < 0.5] = -1  # half the runs start at the first bit
    for row, start in enumerate(starts):
        end = start + 1 + rng.integers(1, width - 1 - start)
        if start >= 0:
            a[row, start] = b[row, start] = rng.integers(0, 2)
        b[row, start + 1 : end] = 1 - a[row, start + 1 : end]
        if end < width - 1:  # then equal bits again: the carry must come out right
            a[row, end] = b[row, end] = rng.integers(0, 2)
    return x, add_bits(a, b)[..., np.newaxis]  # the top bits are still 0: the sums fit


def long_batch(rng, batch_size, width):
    """Additions of ``width`` bits, half random (``make_batch``), half built around a long
    carry chain (``carry_chain_batch``): what ``train(stop_when_exact=True)`` trains on once
    every held-out sum is exact.

    >>> x, y = long_batch(np.random.default_rng(0), 4, 33)
    >>> x.shape, y.shape
    ((4, 33, 2), (4, 33, 1))
    """
    chains = batch_size // 2
    random_x, random_y = make_batch(rng, batch_size - chains, width)
    chain_x, chain_y = carry_chain_batch(rng, chains, width)
    return np.concatenate([random_x, chain_x]), np.concatenate([random_y, chain_y])


MARGIN = 100
"""Steps that ``train(stop_when_exact=True)`` goes on training after the first exact check."""


def train(
    adder,
    steps,
    width=17,
    batch_size=64,
    learning_rate=0.01,
    loss="cross_entropy",
    seed=0,
    fixed_batch=None,
    validation=None,
    eval_every=25,
    callback=None,
    stop_when_exact=False,
    jit_compile=False,
):
    """Train ``adder`` for at most ``steps`` steps of Adam; returns a ``History``.

    Each step draws a fresh batch of ``batch_size`` additions ``width`` bits long, unless
    ``fixed_batch=(x, y)`` gives one batch to reuse every step, as the original did.
    Every ``eval_every`` steps (and at the last) it measures the loss and the exact-sum share on
    ``validation=(x, y)`` (by default 1000 held-out additions of the training width), then calls
    ``callback(history)``. The same ``seed`` gives the same run.

    ``stop_when_exact=True`` stops once the adder has learned, which takes more than one exact
    check. In our runs, a run stopped at its first check with every held-out 16-bit sum exact
    still missed some 64-bit or 1024-bit sums about one time in three, most often where a long
    run of bits with exactly one operand 1 sent the carry (or its absence) a long way; one
    adder in twenty, trained on after that check on 16-bit sums, never learned to carry (or
    not) through 20 such bits. So, from the first check with every held-out sum exact, it
    trains on additions twice as long, half of them built around such a long run
    (``long_batch``), and a check counts as exact only if every held-out sum is exact and also
    every sum of two longer held-out sets drawn from ``seed``: 200 additions 16 times as long
    as the validation sums (256-bit operands for the default 16-bit ones), and 200 additions
    twice as long (32-bit) built around a long run (``carry_chain_batch``). Training stops at
    the first such check at least ``MARGIN`` (100) steps after the first of an unbroken series
    of them; ``history.learned`` says whether it stopped so. (With ``fixed_batch`` it trains
    on that batch throughout.)

    The margin is measured, with ``Adder(fast=True)``: after a margin of 20 steps, one run of
    200 (seeds 80-279) stopped and still missed 0.1% of random 64-bit and 3% of 1024-bit sums
    (seed 114); after 50 steps, one of 590 (seeds 10-599) missed 1% of 1024-bit sums (seed 36);
    after 75 steps, one of 590 (seed 500); after 100 steps, none of 590. The longer held-out
    sets cannot catch an adder that errs once in tens of thousands of columns; more steps on
    the longer additions make such an adder rarer.

    With this function's defaults and ``steps=1000``, over seeds 10-599 (not the notebooks'
    seeds) for ``Adder()`` with oneDNN off and ``Adder(fast=True)`` with oneDNN on, and seeds
    10-299 for ``Adder()`` with oneDNN on: every run stopped so, after 200 to 725 steps (median
    225), and each added every one of 1000 other random 64-bit and 100 other random 1024-bit
    sums exactly. ``bench/run.py`` measures 20 seeds again.

    What runs: the steps between two evaluations run in one call of one compiled function
    (``compiled_steps``), on batches drawn in NumPy before the call; the update is Adam's, with
    ``keras.optimizers.Adam``'s arithmetic (see ``adam``). That function is traced the first
    time an adder of its kind trains with this batch shape and loss, and reused after (see
    ``Trainer``); the longer additions go through one of their own, traced for their shape and
    with Adam started afresh. Written out step by step, their steps take about half as long
    as through the GRU's ``tf.scan`` (1.4 against 2.4 ms here, 0.1 s or more a run), but that
    function's tracing and first call take longer (about 0.9 against 0.35 s, once per kind of
    adder): a kernel that trains five adders of a kind or more gains, one that trains one pays.
    ``jit_compile=True`` compiles that function with XLA: each step is faster, but compiling
    takes seconds, so it pays off only for long runs.

    The arguments are checked before any step runs (a clear ValueError names the bad one), and
    a training loss that stops being a finite number stops training with a FloatingPointError
    that names the step.

    >>> from gru_helpers.adder import Adder
    >>> history = train(Adder(hidden_size=4), steps=3, eval_every=1)
    >>> history.step
    [1, 2, 3]
    """
    steps, width = check_non_negative("steps", steps), check_width(width)
    batch_size = check_size("batch_size", batch_size)
    eval_every = check_size("eval_every", eval_every)
    learning_rate = check_learning_rate(learning_rate)
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")
    loss_fn = LOSSES[loss]
    if fixed_batch is not None:
        fixed_batch = check_pair("fixed_batch", fixed_batch)
    if validation is None:
        validation = make_batch(np.random.default_rng([seed, 2**31]), 1000, width)
    dtype = adder.trainable_variables[0].dtype.as_numpy_dtype  # float32, or float64
    validation = tuple(part.astype(dtype) for part in check_pair("validation", validation))
    if stop_when_exact and min(width, validation[0].shape[1]) < 2:
        raise ValueError(
            "stop_when_exact=True: expected width and validation sums of at least 2 steps "
            f"(operands of 1 bit or more, to build longer sums from), got width {width} and "
            f"validation sums of {validation[0].shape[1]}"
        )
    rng = np.random.default_rng(seed)
    x_shape = (batch_size, width, 2) if fixed_batch is None else fixed_batch[0].shape
    trainer = trainer_for(adder)
    trainer.start(adder, learning_rate)
    train_steps = trainer.steps(x_shape, loss, jit_compile)
    if fixed_batch is not None:
        draw = lambda: fixed_batch  # noqa: E731
    else:
        draw = lambda: make_batch(rng, batch_size, width)  # noqa: E731
    if stop_when_exact:  # longer held-out sums
        short = validation[0].shape[1] - 1  # the operands' bits
        long_rng = np.random.default_rng([seed, 2**31 + 1])
        long_sums = [
            make_batch(long_rng, 200, 16 * short + 1),
            carry_chain_batch(long_rng, 200, 2 * short + 1),
        ]

    history, step, exact_since, lengthened = History(), 0, None, False
    while step < steps:
        k = min(eval_every - step % eval_every, steps - step)  # the steps to the next evaluation
        batches = [draw() for _ in range(k)]
        losses = train_steps(*(np.stack(part) for part in zip(*batches))).numpy()
        trainer.copy_to(adder)
        step += k
        if not np.isfinite(losses).all():
            first = int(np.flatnonzero(~np.isfinite(losses))[0])
            raise FloatingPointError(
                f"step {step - k + first + 1}: the training loss is {losses[first]}, not a finite "
                f"number: training diverged (learning_rate {learning_rate} too large for this "
                "model, or weights that were not finite numbers before training)"
            )
        logits = trainer.logits(validation[0])
        history.step.append(step)
        history.train_loss.append(float(losses[-1]))
        history.validation_loss.append(float(loss_fn(logits, validation[1])))
        history.validation_exact.append(exact_share_of_logits(logits, validation[1]))
        exact = history.validation_exact[-1] == 1.0
        if stop_when_exact and exact and fixed_batch is None and not lengthened:
            lengthened = True  # from here on, additions twice as long (see above)
            long_width = 2 * width - 1
            draw = lambda: long_batch(rng, batch_size, long_width)  # noqa: E731
            train_steps = trainer.steps((batch_size, long_width, 2), loss, jit_compile)
        if stop_when_exact and exact:  # the long sums too, once the short ones are all exact
            exact = all(
                exact_share_of_logits(trainer.logits(x.astype(dtype)), y) == 1.0
                for x, y in long_sums
            )
        exact_since = (exact_since or step) if exact else None
        history.learned = (
            stop_when_exact and exact_since is not None and step - exact_since >= MARGIN
        )
        if callback is not None:
            callback(history)
        if stop_when_exact and history.learned:
            break
    return history
