"""Every new TensorFlow variable's initial value, one unit in the last place off: another machine.

A stored output that holds only on the machine that stored it is one that a last-bit difference
changes: another processor runs other kernels, blocks a matrix product otherwise, sums in
another order, and training amplifies the difference. Setting oneDNN or thread counts does not
reach that, so this moves the numbers themselves, at the level where machines differ: while
``every_new_variable_nudged`` is active, every floating-point ``tf.Variable`` created without
``trainable=False`` (the weights of ``gru_helpers``' GRU and adders, of Keras layers, of a
module a notebook defines) starts with each of its non-zero elements moved to the next
representable number of its own dtype, up (towards +inf) or down. Zeros stay zero, as a zero
bias is zero everywhere; non-trainable variables (an optimizer's step count and learning rate)
are settings, equal everywhere. It is deterministic: the same direction gives the same numbers.
A variable made from other variables' values (``Stack`` stacking several networks' weights) is
nudged again, one ulp off its sources: compare a copy's results with its source's within a
tolerance, as a copy that runs through other kernels (a batched product) may differ anyway.
Values that never pass through a variable (NumPy on its own) are not moved.

The `perturbed` nox session runs every notebook under it (``startup.py`` installs it in each
kernel before the first cell), and strict nbval flags each stored output that it changes.

>>> import tensorflow as tf
>>> with every_new_variable_nudged("up"):
...     nudged = tf.Variable([0.1, 0.0, -2.0])
>>> (nudged - [0.1, 0.0, -2.0]).numpy().tolist()    # one ulp: 2**-27 at 0.1, 2**-23 below 2
[7.450580596923828e-09, 0.0, 1.1920928955078125e-07]
>>> (tf.Variable([0.1]) - [0.1]).numpy().tolist()   # outside it: as written
[0.0]
"""

import contextlib
import os
import threading

import tensorflow as tf
from tensorflow.python.ops import variables

DIRECTIONS = {"up": float("inf"), "down": float("-inf")}
ENVIRONMENT_VARIABLE = "PERTURB_LAST_BIT"  # "up" or "down": read by install(), in the kernel


def check_direction(direction):
    """``direction`` if it is "up" or "down", else a ValueError naming it."""
    if direction not in DIRECTIONS:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}: expected 'up' or 'down', got {direction!r}")
    return direction


def nudge(value, direction):
    """``value`` (float32 or float64) with every non-zero element one ulp up or down.

    Other dtypes come back unchanged.

    >>> nudge(tf.constant([1.0, 0.0], tf.float64), "down").numpy().tolist()
    [0.9999999999999999, 0.0]
    >>> nudge(tf.constant([3]), "up").numpy().tolist()
    [3]
    """
    value = tf.convert_to_tensor(value)
    if value.dtype not in (tf.float32, tf.float64):
        return value
    towards = tf.fill(tf.shape(value), tf.constant(DIRECTIONS[direction], value.dtype))
    return tf.where(value == 0, value, tf.math.nextafter(value, towards))


def nudging_creator(direction):
    """A variable creator (``tf.variable_creator_scope``) that nudges the initial value.

    The initial value may be a value or a function giving one (Keras passes its initializer so);
    it is converted to the variable's dtype first, as ``tf.Variable`` converts it. A value read
    from a checkpoint as the variable is created is left as it was stored.
    """

    def creator(next_creator, **kwargs):
        initial_value, dtype = kwargs.get("initial_value"), kwargs.get("dtype")
        restored = type(initial_value).__name__.startswith("CheckpointInitialValue")
        if kwargs.get("trainable") is not False and initial_value is not None and not restored:

            def nudged():
                value = initial_value() if callable(initial_value) else initial_value
                return nudge(tf.convert_to_tensor(value, dtype=dtype), direction)

            kwargs["initial_value"] = nudged if callable(initial_value) else nudged()
        return next_creator(**kwargs)

    return creator


@contextlib.contextmanager
def every_new_variable_nudged(direction):
    """Within it, every new trainable floating-point ``tf.Variable`` starts one ulp off.

    The nudge is a variable creator, the way TensorFlow lets one change a variable's arguments;
    but a creator scope holds for one graph in one thread, and ``keras.backend.clear_session()``
    replaces the graph, which would end the nudging silently for the rest of a notebook. So the
    scope is entered around each ``tf.Variable(...)`` call instead, by wrapping the class method
    every such call goes through first: in every graph and thread, and in a ``tf.function``
    (whose own creator, of lower priority, then receives the nudged value).
    """
    creator = nudging_creator(check_direction(direction))
    variable_call = variables.Variable.__dict__["_variable_call"]
    inside = threading.local()  # a variable made while making one (by an initializer): once

    def nudged_variable_call(cls, *args, **kwargs):
        if getattr(inside, "scope", False):
            return variable_call.__func__(cls, *args, **kwargs)
        inside.scope = True
        try:
            with tf.variable_creator_scope(creator):
                return variable_call.__func__(cls, *args, **kwargs)
        finally:
            inside.scope = False

    variables.Variable._variable_call = classmethod(nudged_variable_call)
    try:
        yield
    finally:
        variables.Variable._variable_call = variable_call


_installed = []  # the context entered by install(), kept so that it stays entered


def install():
    """Nudge every new variable from now on, in the direction ``PERTURB_LAST_BIT`` names.

    Prints nothing: a notebook's outputs are what the check compares. Without the variable it
    raises, as does any other failure, so that the kernel exits (``startup.py``).
    """
    if not _installed:
        context = every_new_variable_nudged(os.environ.get(ENVIRONMENT_VARIABLE))
        context.__enter__()
        _installed.append(context)
