import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from gru_helpers import live_plot
from gru_helpers.live_plot import LivePlot, LivePlotCallback
from gru_helpers.train import History

matplotlib.use("Agg")


class FakeHandle:
    """Stands in for IPython's display handle and counts the updates."""

    def __init__(self):
        self.updates = 0

    def update(self, fig):
        self.updates += 1


@pytest.fixture
def handles(monkeypatch):
    made = []

    def display(fig, display_id):
        assert display_id is True
        made.append(FakeHandle())
        return made[-1]

    monkeypatch.setattr(live_plot, "display", display)
    return made


def history(steps):
    h = History()
    for step in range(1, steps + 1):
        h.step.append(step)
        h.train_loss.append(1 / step)
        h.validation_loss.append(1.2 / step)
        h.validation_exact.append(step / steps)
    return h


def test_one_figure_updated_in_place_and_closed(handles):
    before = plt.get_fignums()
    with LivePlot("Loss", interval=0) as plot:
        for n in (1, 2, 3):
            plot(history(n))
        assert len(plt.get_fignums()) == len(before) + 1
    assert len(handles) == 1
    assert handles[0].updates == 3 + 1  # each call, then the final draw on close
    assert plt.get_fignums() == before
    np.testing.assert_allclose(plot.exact_line.get_ydata(), [100 / 3, 200 / 3, 100])


def test_updates_are_throttled_but_the_last_state_is_drawn(handles):
    with LivePlot(interval=3600) as plot:
        for n in range(1, 50):
            plot(history(n))
    assert handles[0].updates == 2  # the first call, and the close
    assert list(plot.train_line.get_xdata()) == list(range(1, 50))


def test_keras_callback_plots_each_epoch(handles):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32)
    callback = LivePlotCallback("Keras", interval=0)
    model.fit(x, y, epochs=3, validation_data=(x, y), callbacks=[callback], verbose=0)
    assert callback.history_so_far.step == [1, 2, 3]
    assert len(callback.history_so_far.validation_loss) == 3
    assert handles[0].updates == 3 + 1
    assert plt.get_fignums() == []


def test_outside_ipython_it_draws_without_a_display(monkeypatch):
    monkeypatch.setattr(live_plot, "display", lambda fig, display_id: None)
    with LivePlot(interval=0) as plot:
        plot(history(3))
    assert list(plot.validation_line.get_xdata()) == [1, 2, 3]
