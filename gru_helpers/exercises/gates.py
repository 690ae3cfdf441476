"""Checks for the exercises of notebook 01, "Gates: sigmoid and tanh".

1. ``check_stable_sigmoid(sigmoid)``: σ from ``np.exp`` alone, finite and warning-free at ±1000.
2. ``check_sigmoid_from_tanh(sigmoid)``: σ written with ``np.tanh`` and arithmetic only.
3. ``check_saturation(x_sigmoid, x_tanh)``: where each slope falls to 1% of its peak.

>>> check_sigmoid_from_tanh(lambda x: (1 + np.tanh(x / 2)) / 2)
✓ σ from tanh: right. σ(x) = (1 + tanh(x/2)) / 2: the same S curve, moved up and squeezed.
>>> check_sigmoid_from_tanh(lambda x: np.tanh(x / 2) / 2).status
'wrong'
"""

import numpy as np

from . import Wrong, exercise, expect_close


def _sigmoid(x):
    """The reference: σ(x) = 1 / (1 + e^(-x)), written so that it never overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # at most 1
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


GRID = np.linspace(-30, 30, 601)
EXTREMES = np.array([-1000.0, -750.0, -100.0, 100.0, 750.0, 1000.0])


@exercise("A sigmoid that never overflows")
def check_stable_sigmoid(sigmoid):
    """``sigmoid(x)`` for a NumPy array ``x`` must equal σ(x) everywhere, with no overflow.

    The formula 1 / (1 + exp(-x)) overflows for x below about -709, where exp(-x) is larger than
    any float64: NumPy warns and returns inf on the way to the right answer 0.
    """
    # An overflow (or inf - inf, 0 * inf) in the reader's code becomes an error here; an
    # underflow to 0, as in e^(-1000), is harmless and allowed.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            on_grid = np.asarray(sigmoid(GRID.copy()), dtype=np.float64)
        except FloatingPointError as error:
            raise Wrong(f"NumPy reported '{error}' already between -30 and 30.") from None
        if on_grid.shape == GRID.shape and np.allclose(on_grid, _sigmoid(-GRID), atol=1e-9):
            raise Wrong("Your function gives σ(-x): the exponent is e^(-x), not e^(x).")
        expect_close("sigmoid(x) for x from -30 to 30", on_grid, _sigmoid(GRID), atol=1e-9)
        try:
            far = np.asarray(sigmoid(EXTREMES.copy()), dtype=np.float64)
        except FloatingPointError as error:
            raise Wrong(
                f"NumPy reported '{error}' at |x| = 1000. e^(-x) is too large for a float when "
                "x < -709: for negative x use the form e^x / (1 + e^x), which only ever takes "
                "e to a negative power (np.where picks a form per entry; compute both from "
                "e^(-|x|))."
            ) from None
    if np.isnan(far).any():
        raise Wrong(
            "NaN at |x| = 1000: inf / inf or 0 * inf happened. Take e only to the power -|x|, "
            "which lies in (0, 1]."
        )
    expect_close("sigmoid(x) at ±100, ±750 and ±1000", far, _sigmoid(EXTREMES), atol=1e-12)
    return "σ is exact from -1000 to 1000 and never takes e to a positive power."


@exercise("σ from tanh")
def check_sigmoid_from_tanh(sigmoid):
    """``sigmoid(x)`` must be σ(x), written with ``np.tanh`` (the identity solved for σ)."""
    got = np.asarray(sigmoid(GRID.copy()), dtype=np.float64)
    hints = [
        (
            _sigmoid(2 * GRID),
            "Your function gives σ(2x), not σ(x): tanh(x) = 2σ(2x) − 1 doubles "
            "the input, so undo that by halving x inside tanh.",
        ),
        (
            _sigmoid(GRID / 2),
            "Your function gives σ(x/2), not σ(x): tanh(x) = 2σ(2x) − 1 means "
            "σ(y) = (1 + tanh(y/2)) / 2, so halve x once, not twice.",
        ),
        (np.tanh(GRID / 2) / 2, "Your values lie in (−½, ½): σ lies in (0, 1), so add ½."),
        (np.tanh(GRID) / 2, "Your values lie in (−½, ½) and rise too fast: add ½ and halve x."),
        (
            2 * np.tanh(GRID / 2) - 1,
            "That maps tanh's (−1, 1) onto (−3, 1): solve "
            "tanh(x) = 2σ(2x) − 1 for σ instead (add 1, then divide by 2).",
        ),
    ]
    for wrong, hint in hints:
        if got.shape == wrong.shape and np.allclose(got, wrong, atol=1e-6):
            raise Wrong(hint)
    expect_close("sigmoid(x) for x from -30 to 30", got, _sigmoid(GRID), atol=1e-9)
    return "σ(x) = (1 + tanh(x/2)) / 2: the same S curve, moved up and squeezed."


# Where a slope is 1% of its peak: tanh' = 1 - tanh² = 0.01 at tanh = √0.99;
# σ'(x) = tanh'(x/2) / 4, so σ' is 1% of its peak 1/4 at twice that x.
X_TANH = float(np.arctanh(np.sqrt(0.99)))
X_SIGMOID = 2 * X_TANH
X_SIGMOID_ABSOLUTE = float(np.log((1 + np.sqrt(0.96)) / (1 - np.sqrt(0.96))))  # σ' = 0.01


@exercise("Where saturation starts")
def check_saturation(x_sigmoid, x_tanh):
    """The |x| at which σ' and tanh' fall to 1% of their peaks (1/4 and 1), to within 0.01."""
    x_sigmoid, x_tanh = float(x_sigmoid), float(x_tanh)
    if np.isclose(x_sigmoid, X_TANH, atol=0.01) and np.isclose(x_tanh, X_SIGMOID, atol=0.01):
        raise Wrong("The two answers are swapped: σ's curve is the wider one.")
    if np.isclose(x_sigmoid, X_SIGMOID_ABSOLUTE, atol=0.01):
        raise Wrong(
            f"At x = {x_sigmoid:.2f} σ' is 0.01, which is 4% of its peak 1/4: 1% of the peak is "
            "σ' = 0.0025."
        )
    if x_sigmoid < 0 or x_tanh < 0:
        raise Wrong("Give |x|, a positive number: both slopes are even functions.")
    expect_close("x_tanh", x_tanh, X_TANH, atol=0.01)
    expect_close("x_sigmoid", x_sigmoid, X_SIGMOID, atol=0.01)
    return (
        f"tanh saturates beyond |x| ≈ {X_TANH:.2f} and σ beyond exactly twice that, "
        f"{X_SIGMOID:.2f}, because σ'(x) = tanh'(x/2) / 4."
    )
