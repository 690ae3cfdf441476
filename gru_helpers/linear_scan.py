"""The linear recurrence h_t = a_t ∘ h_{t-1} + b_t, computed in about log2(T) parallel steps.

A ripple-carry adder's carry obeys it (c_t = g_t + p_t c_{t-1}), and so does a minimal GRU's
state (``MinGRU``: h_t = (1 - z_t) ∘ h_{t-1} + z_t ∘ h̃_t). Written as a loop it takes T steps,
each waiting for the one before. But two steps compose into one step of the same form:

    (a1, b1) then (a2, b2)  is  (a1 a2, a2 b1 + b2)

since a2 (a1 h + b1) + b2 = (a1 a2) h + (a2 b1 + b2), and that composition is associative. So
the steps can be combined in a tree, as a carry-lookahead adder combines its columns: after
level k every position holds the composition of the 2^k steps that end there (Hillis and Steele
1986; for adders, Kogge and Stone 1973). ``linear_scan`` does that: ceil(log2 T) levels, each a
handful of element-wise operations on the whole sequence at once. It does T log2 T work where
the loop does T: fewer, larger operations, a win wherever many lanes run at once.

``sequential_scan`` is the loop itself, the definition the parallel scan is checked against.
"""

import tensorflow as tf


def check_scan_inputs(a, b, h0):
    """a, b (batch, time, units) and h0 (batch, units) as tensors of one float dtype, or a
    ValueError that names the argument, what was expected and what came.

    >>> check_scan_inputs(tf.ones((2, 3, 4)), tf.ones((2, 3, 5)), None)
    Traceback (most recent call last):
    ...
    ValueError: b: expected the shape of a, (2, 3, 4), got (2, 3, 5)
    """
    a = tf.convert_to_tensor(a)
    if not a.dtype.is_floating:
        a = tf.cast(a, tf.float32)
    if a.shape.rank != 3:
        raise ValueError(f"a: expected rank 3, (batch, time, units), got shape {tuple(a.shape)}")
    tensors = {"a": a}
    for name, value in (("b", b), ("h0", h0)):
        if value is None:
            continue
        value = tf.convert_to_tensor(value)
        if value.dtype != a.dtype:
            if value.dtype.is_floating:
                raise ValueError(
                    f"{name}: expected the dtype of a, {a.dtype.name}, got {value.dtype.name}"
                )
            value = tf.cast(value, a.dtype)
        expected = a.shape if name == "b" else a.shape[:1] + a.shape[2:]
        if not expected.is_compatible_with(value.shape):
            what = "the shape of a" if name == "b" else "(batch, units) of a"
            raise ValueError(
                f"{name}: expected {what}, {tuple(expected)}, got {tuple(value.shape)}"
            )
        tensors[name] = value
    if a.shape[1] == 0:
        raise ValueError("a: expected at least one time step, got a length of 0")
    if a.shape[1] is None:  # known only when the graph runs
        tf.debugging.assert_positive(
            tf.shape(a)[1], message="a: expected at least one time step, got a length of 0"
        )
    return tensors["a"], tensors["b"], tensors.get("h0")


def shifted(x, d, fill):
    """``x`` moved ``d`` steps later along the time axis, the first ``d`` steps set to ``fill``."""
    steps = tf.shape(x)[1]
    d = tf.minimum(d, steps)
    return tf.pad(x[:, : steps - d], [[0, 0], [d, 0], [0, 0]], constant_values=fill)


def linear_scan(a, b, h0=None):
    """Every h_t = a_t ∘ h_{t-1} + b_t for a, b of shape (batch, time, units), from h0.

    ``h0`` (batch, units) is the state before the first step, zeros when omitted. Returns
    (batch, time, units). Level k combines each position with the one 2^k steps before it,
    until every position holds the composition of all the steps up to it; then its ``b`` is
    h_t. Works eagerly and in a ``tf.function``, for a length known or unknown when traced,
    with gradients, in float32 or float64.

    >>> a = tf.constant([[[0.5], [0.5], [2.0]]])
    >>> b = tf.constant([[[1.0], [1.0], [1.0]]])
    >>> linear_scan(a, b)[0, :, 0].numpy()          # 1, then 0.5 * 1 + 1, then 2 * 1.5 + 1
    array([1. , 1.5, 4. ], dtype=float32)
    >>> linear_scan(a, b, h0=[[2.0]])[0, :, 0].numpy()
    array([2., 2., 5.], dtype=float32)
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    if h0 is not None:  # fold the initial state into the first step: b_1 + a_1 h0
        b = tf.concat([b[:, :1] + a[:, :1] * h0[:, tf.newaxis], b[:, 1:]], axis=1)
    steps = a.shape[1]

    def level(d, a, b):
        # (a, b) at t - d, then (a, b) at t: together (a_t a_{t-d}, a_t b_{t-d} + b_t)
        return a * shifted(a, d, 1), a * shifted(b, d, 0) + b

    if steps is not None:  # the number of levels is known: write them out
        d = 1
        while d < steps:
            a, b = level(d, a, b)
            d *= 2
        return b
    _, _, h = tf.while_loop(
        lambda d, a, b: d < tf.shape(a)[1],
        lambda d, a, b: (2 * d, *level(d, a, b)),
        (tf.constant(1), a, b),
    )
    return h


def sequential_scan(a, b, h0=None):
    """The same h_t = a_t ∘ h_{t-1} + b_t, one step after another with ``tf.scan``: T steps,
    each waiting for the last. The definition ``linear_scan`` is checked against.

    >>> a, b = tf.fill((1, 3, 1), 0.5), tf.ones((1, 3, 1))
    >>> sequential_scan(a, b)[0, :, 0].numpy()
    array([1.  , 1.5 , 1.75], dtype=float32)
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    if h0 is None:
        h0 = tf.zeros_like(a[:, 0])
    time_first = lambda t: tf.transpose(t, [1, 0, 2])  # noqa: E731  (tf.scan walks axis 0)
    h = tf.scan(lambda h_tm1, ab: ab[0] * h_tm1 + ab[1], (time_first(a), time_first(b)), h0)
    return time_first(h)
