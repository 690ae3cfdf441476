import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_helpers.bits import (
    add_bits,
    carry_chain_batch,
    from_bits,
    long_carry_batch,
    make_batch,
    pair_to_input,
    sum_bits,
    to_bits,
    width_for_sum,
)


@given(st.integers(min_value=0, max_value=2**1100))
def test_round_trip_any_size(number):
    width = max(number.bit_length(), 1)
    assert from_bits(to_bits(number, width)) == number


@given(st.integers(min_value=0, max_value=2**300), st.integers(min_value=0, max_value=40))
def test_padding_adds_zero_bits_at_the_top(number, extra):
    width = max(number.bit_length(), 1) + extra
    bits = to_bits(number, width)
    assert bits.shape == (width,) and bits.dtype == np.float32
    assert not bits[max(number.bit_length(), 1) :].any()


def test_least_significant_bit_first():
    np.testing.assert_array_equal(to_bits(3, 3), [1, 1, 0])
    np.testing.assert_array_equal(to_bits(1, 3), [1, 0, 0])
    np.testing.assert_array_equal(to_bits(4, 3), [0, 0, 1])


def test_a_thousand_bit_sum():
    a, b = 2**999 + 12345, 2**999 - 1
    width = width_for_sum(a, b)
    assert width == 1001
    assert from_bits(add_bits(to_bits(a, width), to_bits(b, width))) == a + b


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (-3, ValueError, "expected a non-negative integer, got -3"),
        (True, TypeError, "expected an integer, got True"),
        (2.0, TypeError, "expected an integer, got 2.0"),
        ("5", TypeError, "expected an integer, got '5'"),
    ],
)
def test_bad_numbers_are_named(bad, error, message):
    with pytest.raises(error, match=message):
        to_bits(bad, 8)


@pytest.mark.parametrize(
    "width, error, message",
    [
        (2, ValueError, "width 2 is too small for 4, which needs 3 bits"),
        (0, ValueError, "width: expected an integer of at least 1, got 0"),
        (3.0, TypeError, "width: expected an integer, got 3.0"),
    ],
)
def test_bad_widths_are_named(width, error, message):
    with pytest.raises(error, match=message):
        to_bits(4, width)


def test_from_bits_rejects_what_is_not_a_bit():
    with pytest.raises(ValueError, match="only 0s and 1s"):
        from_bits([0, 2, 1])
    with pytest.raises(ValueError, match="at least one bit"):
        from_bits([])


def test_width_for_sum_checks_its_operands():
    assert width_for_sum(0, 0) == 1
    assert width_for_sum(255, 1) == 9
    with pytest.raises(ValueError, match="b: expected a non-negative integer, got -1"):
        width_for_sum(1, -1)


def test_pair_to_input_puts_a_then_b_on_the_last_axis():
    x = pair_to_input(6, 1, 4)
    assert x.shape == (1, 4, 2)
    np.testing.assert_array_equal(x[0, :, 0], to_bits(6, 4))
    np.testing.assert_array_equal(x[0, :, 1], to_bits(1, 4))


@given(st.integers(0, 2**64), st.integers(0, 2**64))
def test_add_bits_is_addition(a, b):
    width = width_for_sum(a, b) + 1
    assert from_bits(add_bits(to_bits(a, width), to_bits(b, width))) == a + b


def test_batch_shapes_dtypes_and_sums():
    x, y = make_batch(np.random.default_rng(0), batch_size=50, width=9)
    assert x.shape == (50, 9, 2) and y.shape == (50, 9, 1)
    assert x.dtype == y.dtype == np.float32
    for row in range(50):
        assert from_bits(x[row, :, 0]) + from_bits(x[row, :, 1]) == from_bits(y[row])


def test_batch_operands_cover_their_whole_range():
    x, _ = make_batch(np.random.default_rng(1), batch_size=2000, width=4)
    values = {from_bits(bits) for bits in x[:, :, 0]} | {from_bits(bits) for bits in x[:, :, 1]}
    assert values == set(range(8))  # 3-bit operands, 7 (the largest) included


def test_batch_is_reproducible_from_the_generator():
    first = make_batch(np.random.default_rng(7), 8, 12)
    again = make_batch(np.random.default_rng(7), 8, 12)
    other = make_batch(np.random.default_rng(8), 8, 12)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])


def test_batch_handles_widths_of_a_thousand_bits():
    x, y = make_batch(np.random.default_rng(2), batch_size=3, width=1025)
    assert from_bits(x[0, :, 0]) + from_bits(x[0, :, 1]) == from_bits(y[0])


def test_batch_rejects_a_seed_in_place_of_a_generator():
    with pytest.raises(TypeError, match="numpy.random.Generator, got int"):
        make_batch(0, 4, 5)


def longest_carry_run(a, b):
    """The most bits in a row where exactly one operand is 1, from the first or two equal bits."""
    runs = [0]
    for start in [-1, *np.flatnonzero(a == b)]:
        end = start + 1
        while end < len(a) and a[end] != b[end]:
            end += 1
        runs.append(end - start - 1)
    return max(runs)


def test_carry_chain_batches_are_right_sums_with_a_long_carry():
    x, y = carry_chain_batch(np.random.default_rng(0), 100, 33)
    assert x.shape == (100, 33, 2) and y.shape == (100, 33, 1) and not x[:, -1].any()
    runs = []
    for (a, b), total in zip(np.moveaxis(x.astype(int), 2, 1), y[..., 0].astype(int)):
        assert from_bits(a) + from_bits(b) == from_bits(total)
        runs.append(longest_carry_run(a, b))
    assert min(runs) >= 1 and max(runs) >= 24  # random sums of 32 bits rarely pass 8


def test_long_carry_batches_are_right_sums_half_of_them_around_a_long_carry():
    x, y = long_carry_batch(np.random.default_rng(1), 64, 33)
    assert x.shape == (64, 33, 2) and y.shape == (64, 33, 1)
    runs = []
    for (a, b), total in zip(np.moveaxis(x.astype(int), 2, 1), y[..., 0].astype(int)):
        assert from_bits(a) + from_bits(b) == from_bits(total)
        runs.append(longest_carry_run(a, b))
    assert np.mean(runs[32:]) > 2 * np.mean(runs[:32])  # the second half: long runs


def test_carry_chains_need_operands_of_two_bits():
    with pytest.raises(ValueError, match="width: expected at least 3 .* got 2"):
        carry_chain_batch(np.random.default_rng(0), 4, 2)


@pytest.mark.parametrize("width", [1, 2, 17, 33, 62, 63, 100])
def test_sum_bits_is_add_bits(width):
    a, b = np.random.default_rng(width).integers(0, 2, (2, 50, width)).astype(np.float32)
    a[0], b[0] = 1, 1  # all ones: a carry out of the top, dropped by both
    np.testing.assert_array_equal(sum_bits(a, b), add_bits(a, b))
