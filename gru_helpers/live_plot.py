"""One matplotlib figure of the training curves, redrawn in place while training runs.

The figure is shown once with ``display(fig, display_id=True)`` and then replaced through its
display handle, so the notebook keeps one picture (the last) instead of one per update.
"""

import time

import keras
import matplotlib.pyplot as plt
from IPython.display import display

from .train import History


class LivePlot:
    """Loss and exact-sum share against training step (``xlabel``), redrawn at most every
    ``interval`` seconds.

    Call it with a ``History`` (it is a ``train`` callback); ``close()`` draws the final state and
    releases the figure. As a context manager it closes itself::

        with LivePlot("Cross-entropy") as plot:
            train(adder, steps=500, callback=plot)
    """

    def __init__(
        self,
        title="Training",
        interval=0.5,
        xlabel="training step",
        train_label="training batch",
        figsize=(9, 3.2),
    ):
        self.interval, self.last_draw, self.history = interval, float("-inf"), None
        self.fig, (self.ax_loss, self.ax_exact) = plt.subplots(1, 2, figsize=figsize)
        self.fig.suptitle(title)
        # Dashed against solid, so that the two lines part without their colours
        (self.train_line,) = self.ax_loss.plot([], [], "--", color="tab:blue", label=train_label)
        (self.validation_line,) = self.ax_loss.plot([], [], "-", color="tab:red", label="held-out")
        self.ax_loss.set(xlabel=xlabel, ylabel="loss", yscale="log")
        self.ax_loss.legend(loc="lower left")  # the curves fall from the upper left
        (self.exact_line,) = self.ax_exact.plot([], [], "-", color="tab:green")
        self.ax_exact.set(xlabel=xlabel, ylabel="held-out sums exactly right (%)", ylim=(-5, 105))
        self.fig.tight_layout()
        self.handle = display(self.fig, display_id=True)

    def __call__(self, history):
        self.history = history
        if time.monotonic() - self.last_draw >= self.interval:
            self.draw()

    def draw(self):
        """Put the latest history on the axes and replace the displayed figure."""
        h = self.history
        if h is not None and h.step:
            self.train_line.set_data(h.step, h.train_loss)
            self.validation_line.set_data(h.step, h.validation_loss)
            self.exact_line.set_data(h.step, [100 * share for share in h.validation_exact])
            for ax in (self.ax_loss, self.ax_exact):
                ax.relim()
                ax.autoscale_view()
        if self.handle is not None:  # None outside IPython, where there is nothing to update
            self.handle.update(self.fig)
        self.last_draw = time.monotonic()

    def close(self):
        """Draw the final state once more and close the figure so it is not shown twice."""
        self.draw()
        plt.close(self.fig)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class LivePlotCallback(keras.callbacks.Callback):
    """The same live plot for ``model.fit``: one point per epoch from Keras's logs.

    It plots ``loss`` and ``val_loss``, and ``val_exact`` if a metric of that name is logged.
    """

    def __init__(self, title="Training", interval=0.5):
        super().__init__()
        self.title, self.interval = title, interval

    def on_train_begin(self, logs=None):
        self.history_so_far = History()
        self.plot = LivePlot(
            self.title, self.interval, xlabel="epoch", train_label="training (epoch mean)"
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        h = self.history_so_far
        h.step.append(epoch + 1)
        h.train_loss.append(logs.get("loss", float("nan")))
        h.validation_loss.append(logs.get("val_loss", float("nan")))
        h.validation_exact.append(logs.get("val_exact", float("nan")))
        self.plot(h)

    def on_train_end(self, logs=None):
        self.plot.close()
