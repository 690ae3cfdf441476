"""The code the notebooks share: bits, the GRU (and its fast twin), the adder, training (one
adder, or several side by side), the live plot, the interactive adder app, the parallel scan and
the minimal GRU, and the exercises' checks (``gru_helpers.exercises``)."""

# First, so that a missing or too old TensorFlow gives one readable message.
from .versions import check_tensorflow  # isort: skip

from .adder import Adder
from .bits import (
    add_bits,
    carry_chain_batch,
    from_bits,
    long_carry_batch,
    make_batch,
    pair_to_input,
    to_bits,
    width_for_sum,
)
from .fast_gru import FastGRU
from .gru import GRU, PARAMETER_NAMES, from_keras_weights, to_keras_weights
from .linear_scan import linear_scan, sequential_scan
from .live_plot import LivePlot, LivePlotCallback
from .min_gru import MinGRU, MinGRUAdder
from .operations import count_operations
from .side_by_side import StackedAdders, train_side_by_side, train_stacked, weights_of
from .stacked_networks import StackedNetworks, run_cell
from .train import (
    History,
    cross_entropy,
    exact_for,
    exact_share,
    one_batch,
    squared_error,
    train,
)
from .widgets import adder_app

__all__ = [
    "check_tensorflow",
    "Adder",
    "FastGRU",
    "GRU",
    "MinGRU",
    "MinGRUAdder",
    "PARAMETER_NAMES",
    "StackedAdders",
    "StackedNetworks",
    "History",
    "LivePlot",
    "LivePlotCallback",
    "adder_app",
    "carry_chain_batch",
    "add_bits",
    "count_operations",
    "cross_entropy",
    "exact_for",
    "exact_share",
    "from_bits",
    "from_keras_weights",
    "long_carry_batch",
    "linear_scan",
    "make_batch",
    "one_batch",
    "pair_to_input",
    "run_cell",
    "sequential_scan",
    "squared_error",
    "to_bits",
    "to_keras_weights",
    "train",
    "train_side_by_side",
    "train_stacked",
    "weights_of",
    "width_for_sum",
]
