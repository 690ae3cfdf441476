"""The hook of the `perturbed` check (tests/perturbed/): every new variable one ulp off, no more.

The check runs every notebook with each new variable's initial value one unit in the last place
off and flags the stored outputs that change; a hook that nudged nothing would let every output
pass, and one that nudged more (a zero, an integer, a setting) would flag outputs that hold on
every machine. These tests run the hook in this process, without a kernel;
tests/perturbed/hook_check.ipynb checks that the session's kernels run it.
"""

import os
import pathlib
import runpy
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, Adder

PERTURBED = pathlib.Path(__file__).resolve().parent / "perturbed"
last_bit = runpy.run_path(str(PERTURBED / "last_bit.py"))
every_new_variable_nudged = last_bit["every_new_variable_nudged"]

INF = {"up": np.inf, "down": -np.inf}


def one_ulp(values, direction):
    """What the hook should make of ``values``: non-zero elements one ulp towards ``direction``."""
    values = np.asarray(values)
    towards = np.full_like(values, INF[direction])
    return np.where(values == 0, values, np.nextafter(values, towards))


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_each_non_zero_element_moves_one_ulp_and_zeros_stay(direction, dtype):
    written = np.array([[0.1, -2.0, 0.0], [1e-30, 3.0, -0.0]], dtype.as_numpy_dtype)
    with every_new_variable_nudged(direction):
        created = tf.Variable(written, dtype=dtype).numpy()
    np.testing.assert_array_equal(created, one_ulp(written, direction))
    assert np.all((created != written) == (written != 0))  # every non-zero moved, zeros did not
    assert tf.Variable(written).numpy().tobytes() == written.tobytes()  # outside: as written


def test_integers_and_non_trainable_variables_are_left_alone():
    with every_new_variable_nudged("up"):
        count = tf.Variable([1, 2, 3])
        setting = tf.Variable(0.01, trainable=False)  # an optimizer's learning rate, say
    np.testing.assert_array_equal(count.numpy(), [1, 2, 3])
    assert setting.numpy() == np.float32(0.01)


def test_it_is_deterministic():
    with every_new_variable_nudged("down"):
        first, second = GRU(2, 4, seed=3), GRU(2, 4, seed=3)
    for name, value in first.get_parameters().items():
        np.testing.assert_array_equal(value, second.get_parameters()[name], err_msg=name)


def test_it_reaches_gru_helpers_weights():
    plain = Adder(hidden_size=4, seed=0)
    with every_new_variable_nudged("up"):
        nudged = Adder(hidden_size=4, seed=0)
    for plain_variable, nudged_variable in zip(plain.variables, nudged.variables, strict=True):
        expected = one_ulp(plain_variable.numpy(), "up")
        np.testing.assert_array_equal(nudged_variable.numpy(), expected, plain_variable.name)


def test_it_reaches_keras_layers():
    def dense():
        layer = keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed=1))
        layer.build((None, 2))
        return layer

    plain = dense()
    with every_new_variable_nudged("up"):
        nudged = dense()
    np.testing.assert_array_equal(nudged.kernel.numpy(), one_ulp(plain.kernel.numpy(), "up"))
    np.testing.assert_array_equal(nudged.bias.numpy(), np.zeros(3))


def test_it_reaches_variables_created_inside_a_tf_function():
    created = []

    @tf.function
    def make_once():
        if not created:
            created.append(tf.Variable(tf.constant([0.5, 2.0]) * 3))
        return created[0].read_value()

    with every_new_variable_nudged("up"):
        make_once()
    np.testing.assert_array_equal(created[0].numpy(), one_ulp(np.float32([1.5, 6.0]), "up"))


def test_a_variable_made_while_making_another_is_nudged_once():
    inner = []

    def initial_value():
        inner.append(tf.Variable(0.1))
        return tf.constant(0.1)

    with every_new_variable_nudged("up"):
        outer = tf.Variable(initial_value)
    assert outer.numpy() == inner[0].numpy() == one_ulp(np.float32(0.1), "up")


def test_it_reaches_variables_created_in_another_thread():
    # A tf.variable_creator_scope holds for one graph in one thread; a new thread starts with
    # none, as the new graph does after keras.backend.clear_session(). The hook holds in both.
    created = []
    with every_new_variable_nudged("up"):
        thread = threading.Thread(target=lambda: created.append(tf.Variable(0.1)))
        thread.start()
        thread.join()
    assert created[0].numpy() == one_ulp(np.float32(0.1), "up")


def exit_raises(status):
    raise AssertionError(f"the startup file would have ended the kernel (status {status})")


def test_the_kernel_startup_file_installs_it(monkeypatch):
    monkeypatch.syspath_prepend(str(PERTURBED))  # IPython puts the file's folder there
    monkeypatch.setenv("PERTURB_LAST_BIT", "down")
    monkeypatch.setattr(os, "_exit", exit_raises)  # not this process
    namespace = runpy.run_path(str(PERTURBED / "startup.py"), run_name="__main__")
    installed = __import__("last_bit")._installed
    try:
        created = tf.Variable(0.1).numpy()
    finally:
        installed.pop().__exit__(None, None, None)
    assert created == one_ulp(np.float32(0.1), "down")
    assert tf.Variable(0.1).numpy() == np.float32(0.1)
    bound = [name for name in namespace if not name.startswith("__")]
    assert not bound, f"the startup file bound {bound} in the notebook's namespace"


def test_the_kernel_startup_file_ends_a_kernel_it_cannot_perturb(monkeypatch):
    monkeypatch.syspath_prepend(str(PERTURBED))
    monkeypatch.delenv("PERTURB_LAST_BIT", raising=False)
    monkeypatch.setattr(os, "_exit", exit_raises)
    with pytest.raises(AssertionError, match="would have ended the kernel"):
        runpy.run_path(str(PERTURBED / "startup.py"), run_name="__main__")
    assert tf.Variable(0.1).numpy() == np.float32(0.1)


def test_a_wrong_direction_is_named():
    with pytest.raises(ValueError, match="expected 'up' or 'down', got 'sideways'"):
        with every_new_variable_nudged("sideways"):
            pass
