"""count_operations: what it counts, what it leaves out, and the numbers notebook 09 relies on."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, FastGRU, count_operations
from gru_helpers.operations import OperationCount


def test_inputs_and_constants_do_no_work():
    # Only the Identity that hands the result back: the input and the constant are not counted.
    assert count_operations(lambda a: a, tf.ones(3)) == OperationCount(0, 1)
    assert count_operations(lambda a: a + 1.0, tf.ones(3)) == OperationCount(0, 2)


def test_every_kind_of_matrix_product_counts():
    a, b = tf.ones((4, 3)), tf.ones((3, 2))
    assert count_operations(lambda a, b: a @ b, a, b).matrix_products == 1  # MatMul
    batched = tf.ones((5, 4, 3))
    assert count_operations(lambda x, b: x @ b, batched, b).matrix_products == 1  # BatchMatMulV2
    assert count_operations(lambda a, b: tf.matmul(a, b) @ tf.transpose(b), a, b) == (2, 4)


def test_a_function_traced_on_its_own_counts_once_per_call():
    inner = tf.function(lambda a: tf.tanh(a @ a), autograph=False)
    once = count_operations(lambda a: inner(a), tf.ones((2, 2)))
    twice = count_operations(lambda a: inner(inner(a)), tf.ones((2, 2)))
    assert twice.matrix_products == 2 * once.matrix_products == 2
    assert twice.operations > once.operations


def test_the_gru_step_and_its_written_out_loop():
    # The numbers notebook 09 prints: six products per step, and one copy of the step per time
    # step once GRU writes its loop out (17 steps, the adder's 16-bit sums).
    gru = GRU(2, 16, seed=0)
    h_tm1, x_t = tf.zeros((64, 16)), tf.zeros((64, 2))
    step = count_operations(gru.step, h_tm1, x_t)
    assert step.matrix_products == 6
    loop = count_operations(gru, tf.zeros((64, 17, 2)))
    assert loop.matrix_products == 17 * 6
    assert loop.operations > 17 * step.operations - 17  # each copy, less its result's Identity


def test_fast_gru_needs_fewer_products_for_the_same_states():
    gru, fast = GRU(2, 16, seed=0), FastGRU(2, 16, seed=1)
    fast.set_parameters(gru.get_parameters())
    x = tf.constant(np.random.default_rng(0).integers(0, 2, (8, 17, 2)), tf.float32)
    np.testing.assert_allclose(fast(x), gru(x), atol=1e-5)
    assert count_operations(fast, x).matrix_products < count_operations(gru, x).matrix_products


def test_a_loop_inside_the_graph_counts_as_one_operation():
    gru = GRU(2, 16, seed=0)
    gru.max_unrolled_steps = 0  # tf.scan: the step sits in the body of one While operation
    scanned = count_operations(gru, tf.zeros((64, 17, 2)))
    assert scanned.matrix_products == 0
    step = count_operations(gru.step, tf.zeros((64, 16)), tf.zeros((64, 2)))
    assert scanned.operations < step.operations


def test_something_that_is_not_a_function_is_refused_by_name():
    with pytest.raises(TypeError, match="function: expected a callable to trace, got 3"):
        count_operations(3)
