import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers.gru import GRU, PARAMETER_NAMES, from_keras_weights, to_keras_weights

SHAPES = [  # (batch, time, input, hidden)
    (1, 1, 1, 1),
    (1, 7, 2, 1),
    (3, 1, 2, 4),
    (4, 9, 2, 16),
    (2, 5, 3, 6),
]


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_gru(p, x, h0):
    """The four equations, one time step at a time, in float64."""
    h, states = h0, []
    for x_t in np.swapaxes(x, 0, 1):
        z = sigmoid(x_t @ p["W_z"] + h @ p["U_z"] + p["b_z"])
        r = sigmoid(x_t @ p["W_r"] + h @ p["U_r"] + p["b_r"])
        h_tilde = np.tanh(x_t @ p["W_h"] + (r * h) @ p["U_h"] + p["b_h"])
        h = (1 - z) * h + z * h_tilde
        states.append(h)
    return np.stack(states, axis=1)


def random_gru(input_size, hidden_size, seed):
    """A GRU with non-zero biases, so a mistake in any of the nine parameters shows."""
    gru = GRU(input_size, hidden_size, seed=seed)
    rng = np.random.default_rng(seed + 100)
    gru.set_parameters(
        {name: rng.normal(0, 0.7, size=getattr(gru, name).shape) for name in PARAMETER_NAMES}
    )
    return gru


@pytest.mark.parametrize("batch, time, inputs, hidden", SHAPES)
def test_equals_the_four_equations_in_numpy(batch, time, inputs, hidden):
    gru = random_gru(inputs, hidden, seed=batch + time)
    x = np.random.default_rng(0).normal(size=(batch, time, inputs)).astype(np.float32)
    h0 = np.random.default_rng(1).uniform(-1, 1, size=(batch, hidden)).astype(np.float32)
    expected = numpy_gru({k: v.astype(np.float64) for k, v in gru.get_parameters().items()}, x, h0)
    np.testing.assert_allclose(gru(x, h0).numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(
        gru(x).numpy(), numpy_gru(gru.get_parameters(), x, np.zeros((batch, hidden))), atol=1e-5
    )


@pytest.mark.parametrize("batch, time, inputs, hidden", SHAPES)
def test_equals_keras_gru_with_copied_weights(batch, time, inputs, hidden):
    gru = random_gru(inputs, hidden, seed=3)
    layer = keras.layers.GRU(hidden, reset_after=False, return_sequences=True)
    layer.build((None, None, inputs))
    layer.set_weights(to_keras_weights(gru.get_parameters()))
    x = np.random.default_rng(2).normal(size=(batch, time, inputs)).astype(np.float32)
    np.testing.assert_allclose(gru(x).numpy(), layer(x).numpy(), atol=1e-5)
    h0 = np.full((batch, hidden), 0.3, np.float32)
    np.testing.assert_allclose(gru(x, h0).numpy(), layer(x, initial_state=h0).numpy(), atol=1e-5)


def test_keras_weights_without_the_sign_change_give_another_function():
    gru = random_gru(2, 4, seed=5)
    kernel, recurrent, bias = to_keras_weights(gru.get_parameters())
    hidden = 4
    kernel[:, :hidden], recurrent[:, :hidden], bias[:hidden] = (
        -kernel[:, :hidden],
        -recurrent[:, :hidden],
        -bias[:hidden],
    )
    layer = keras.layers.GRU(hidden, reset_after=False, return_sequences=True)
    layer.build((None, None, 2))
    layer.set_weights([kernel, recurrent, bias])
    x = np.random.default_rng(3).normal(size=(2, 6, 2)).astype(np.float32)
    assert np.abs(gru(x).numpy() - layer(x).numpy()).max() > 1e-2


def test_keras_round_trip_and_reset_after_true_is_refused():
    layer = keras.layers.GRU(3, reset_after=False)
    layer.build((None, None, 2))
    gru = GRU(2, 3)
    gru.set_parameters(from_keras_weights(layer.get_weights()))
    for mine, theirs in zip(to_keras_weights(gru.get_parameters()), layer.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    default_layer = keras.layers.GRU(3)  # reset_after=True: a bias of shape (2, 9)
    default_layer.build((None, None, 2))
    with pytest.raises(ValueError, match="reset_after=False"):
        from_keras_weights(default_layer.get_weights())


def test_gradient_matches_finite_differences():
    gru = random_gru(2, 3, seed=7)
    x = tf.constant(np.random.default_rng(4).normal(size=(2, 4, 2)))
    gru64 = GRU(2, 3, dtype=tf.float64)
    gru64.set_parameters(gru.get_parameters())

    def loss_of_U_h(U_h):
        gru64.U_h.assign(U_h)
        return tf.reduce_sum(gru64(x) ** 2)

    U_h = gru64.U_h.numpy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gru64(x) ** 2)
    analytic = tape.gradient(loss, gru64.U_h).numpy()
    numeric = np.zeros_like(U_h)
    eps = 1e-6
    for index in np.ndindex(U_h.shape):
        step = np.zeros_like(U_h)
        step[index] = eps
        numeric[index] = (loss_of_U_h(U_h + step) - loss_of_U_h(U_h - step)).numpy() / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_gradient_reaches_every_parameter():
    gru = random_gru(2, 3, seed=8)
    x = np.ones((2, 5, 2), np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gru(x))
    gradients = tape.gradient(loss, [getattr(gru, name) for name in PARAMETER_NAMES])
    assert all(g is not None and np.abs(g.numpy()).max() > 0 for g in gradients)


def test_gates_agree_with_the_states():
    gru = random_gru(2, 4, seed=9)
    x = np.random.default_rng(5).normal(size=(3, 6, 2)).astype(np.float32)
    gates = gru.gates(x)
    assert gates["z"].shape == gates["r"].shape == gates["h"].shape == (3, 6, 4)
    np.testing.assert_allclose(gates["h"], gru(x).numpy(), atol=1e-6)
    h_tm1 = gates["h"][:, 2]
    np.testing.assert_allclose(gru.step(h_tm1, x[:, 3]).numpy(), gates["h"][:, 3], atol=1e-5)
    assert ((gates["z"] > 0) & (gates["z"] < 1)).all()


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = GRU(2, 5, seed=1), GRU(2, 5, seed=1), GRU(2, 5, seed=2)
    np.testing.assert_array_equal(a.U_h.numpy(), b.U_h.numpy())
    assert not np.array_equal(a.U_h.numpy(), c.U_h.numpy())


def test_set_parameters_names_the_problem():
    gru = GRU(2, 3)
    parameters = gru.get_parameters()
    with pytest.raises(KeyError, match="b_h"):
        gru.set_parameters({k: v for k, v in parameters.items() if k != "b_h"})
    parameters["U_z"] = np.zeros((4, 4))
    with pytest.raises(ValueError, match=r"U_z: expected shape \(3, 3\), got \(4, 4\)"):
        gru.set_parameters(parameters)


def test_works_inside_tf_function():
    gru = random_gru(2, 3, seed=10)
    x = np.random.default_rng(6).normal(size=(2, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(tf.function(gru)(x).numpy(), gru(x).numpy(), atol=1e-6)


def test_sizes_must_be_at_least_one():
    with pytest.raises(ValueError, match="input_size: expected an integer of at least 1, got 0"):
        GRU(0, 3)
    with pytest.raises(ValueError, match="hidden_size: expected an integer of at least 1, got 0"):
        GRU(2, 0)
    with pytest.raises(
        ValueError, match="hidden_size: expected an integer of at least 1, got 2.5"
    ):
        GRU(2, 2.5)


def test_input_of_the_wrong_shape_is_named():
    gru = GRU(2, 3)
    with pytest.raises(
        ValueError, match=r"x: expected shape \(batch, time, 2\) \(input_size 2\), got \(4, 5\)"
    ):
        gru(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"got \(4, 5, 3\)"):
        gru(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"got \(4, 5, 3\)"):
        gru.gates(np.zeros((4, 5, 3), np.float32))


def test_initialisation_glorot_uniform_W_orthogonal_U_zero_b():
    gru = GRU(2, 16, seed=3)
    limit = np.sqrt(6 / (2 + 16))
    for gate in "zrh":
        W, U, b = (getattr(gru, f"{p}_{gate}").numpy() for p in "WUb")
        assert np.abs(W).max() <= limit and W.std() > limit / 3
        np.testing.assert_allclose(U.T @ U, np.eye(16), atol=1e-5)
        assert not b.any()
    assert not np.allclose(gru.U_z.numpy(), gru.U_r.numpy())


def test_the_unrolled_loop_and_tf_scan_give_the_same_states():
    gru = random_gru(2, 4, seed=11)
    x = np.random.default_rng(7).normal(size=(3, 9, 2)).astype(np.float32)
    unrolled = gru(x).numpy()
    unknown_length = tf.function(gru, input_signature=[tf.TensorSpec((None, None, 2), tf.float32)])
    np.testing.assert_allclose(unknown_length(x).numpy(), unrolled, atol=1e-6)
    gru.max_unrolled_steps = 0
    np.testing.assert_allclose(gru(x).numpy(), unrolled, atol=1e-6)
    assert gru(np.zeros((3, 0, 2), np.float32)).shape == (3, 0, 4)


def test_in_a_tf_function_the_unrolled_loop_traces_its_step_once():
    class CountingGRU(GRU):
        traced = 0

        def step(self, h_tm1, x_t):
            CountingGRU.traced += 1
            return super().step(h_tm1, x_t)

    gru = CountingGRU(2, 3, seed=12)
    x = tf.constant(np.random.default_rng(8).normal(size=(2, 9, 2)), tf.float32)
    with tf.GradientTape() as tape:
        eager = gru(x)
        eager_loss = tf.reduce_sum(eager**2)
    eager_gradient = tape.gradient(eager_loss, gru.trainable_variables)
    assert CountingGRU.traced == 9  # eagerly, the step runs once per time step
    CountingGRU.traced = 0

    @tf.function
    def states_and_gradient(x):
        with tf.GradientTape() as tape:
            states = gru(x)
            loss = tf.reduce_sum(states**2)
        return states, tape.gradient(loss, gru.trainable_variables)

    graph = states_and_gradient.get_concrete_function(x).graph
    calls = [op for op in graph.get_operations() if op.type.endswith("PartitionedCall")]
    assert CountingGRU.traced == 1  # traced once ...
    assert len(calls) == 2 * 9  # ... and called at every step, forward and for the gradient
    states, gradient = states_and_gradient(x)
    np.testing.assert_allclose(states, eager, atol=1e-6)
    for traced, plain in zip(gradient, eager_gradient):
        np.testing.assert_allclose(traced, plain, atol=1e-5)
