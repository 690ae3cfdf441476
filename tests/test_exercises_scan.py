"""The checks of notebook 04's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers.exercises import scan


def stub(*args):
    raise NotImplementedError  # your code here


# Exercise 1: the carry as the state of a scan ----------------------------------------------------


def sum_bits(x, first_carry=0.0, carry_when=2.0, give="sums", out_bit=False):
    """The solution, with keywords that make the typical mistakes."""
    columns = tf.transpose(x, [1, 0, 2])  # (time, batch, 2): tf.scan walks axis 0

    def step(state, column):
        carry, _ = state
        total = column[:, 0] + column[:, 1] + carry
        new_carry = tf.cast(total >= carry_when, x.dtype)
        bit = tf.math.floormod(column[:, 0] + column[:, 1] + (new_carry if out_bit else carry), 2)
        return new_carry, bit

    start = tf.fill([tf.shape(x)[0]], first_carry)
    carries, sums = tf.scan(step, columns, initializer=(start, start))
    result = {"sums": sums, "carries": carries}[give]
    return tf.transpose(result)


def test_sum_scan_right():
    assert scan.check_sum_scan(sum_bits)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: sum_bits(x, give="carries"), "Those are the carries"),
        (lambda x: tf.transpose(sum_bits(x)), "Transpose it back"),
        (lambda x: (x[..., 0] + x[..., 1]) % 2, "no carry ever"),
        (lambda x: sum_bits(x, carry_when=3.0), "2 or more"),
        (lambda x: sum_bits(x, first_carry=1.0), "start from 0"),
        (lambda x: sum_bits(x, out_bit=True), "carry coming in"),
        (lambda x: 1 - sum_bits(x), "expected"),
    ],
)
def test_sum_scan_wrong(answer, hint):
    feedback = scan.check_sum_scan(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 2: the scan as a tf.while_loop ---------------------------------------------------------


def while_scan(step, x, h0):
    x_time_major = tf.transpose(x, [1, 0, 2])
    steps = tf.shape(x_time_major)[0]
    states = tf.TensorArray(h0.dtype, size=steps)

    def body(t, h, states):
        h = step(h, x_time_major[t])
        return t + 1, h, states.write(t, h)

    _, _, states = tf.while_loop(lambda t, h, s: t < steps, body, (0, h0, states))
    return tf.transpose(states.stack(), [1, 0, 2])


def python_loop(step, x, h0):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = step(h, x[:, t])
        states.append(h)
    return tf.stack(states, axis=1)


def test_while_scan_right():
    assert scan.check_while_scan(while_scan)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda step, x, h0: tf.transpose(while_scan(step, x, h0), [1, 0, 2]), "time-major"),
        (lambda step, x, h0: while_scan(step, x, h0)[:, -1], "not only the last"),
        (
            lambda step, x, h0: tf.concat([h0[:, None], while_scan(step, x, h0)], axis=1),
            "h0 is not one of the outputs",
        ),
        (lambda step, x, h0: while_scan(step, x, tf.zeros_like(h0)), "starts from zeros"),
        (python_loop, "cannot be traced"),
        (lambda step, x, h0: 2 * while_scan(step, x, h0), "differs"),
    ],
)
def test_while_scan_wrong(answer, hint):
    feedback = scan.check_while_scan(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 3: tf.scan backwards -------------------------------------------------------------------


def test_reverse_scan_right():
    assert scan.check_reverse_scan(lambda gru, x: gru(x[:, ::-1])[:, ::-1])

    def with_scan(gru, x):  # tf.scan itself is a right answer too
        h0 = gru.initial_state(x)
        states = tf.scan(gru.step, tf.transpose(x, [1, 0, 2]), initializer=h0, reverse=True)
        return tf.transpose(states, [1, 0, 2])

    assert scan.check_reverse_scan(with_scan)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda gru, x: gru(x[:, ::-1]), "flip the result back"),
        (lambda gru, x: gru(x)[:, ::-1], "feeding the last column first"),
        (lambda gru, x: gru(x), "the forward scan"),
        (lambda gru, x: gru(x[:, ::-1])[:, ::-1][:, :, :2], "expected"),
        (lambda gru, x: np.zeros((3, 6, 4)), "differs"),
    ],
)
def test_reverse_scan_wrong(answer, hint):
    feedback = scan.check_reverse_scan(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_not_attempted():
    assert scan.check_sum_scan(stub).status == "not attempted"
    assert scan.check_while_scan(stub).status == "not attempted"
    assert scan.check_reverse_scan(stub).status == "not attempted"
