"""The interactive adder: sliders and a text box that make a trained adder add, and show how.

``adder_app(adder)`` builds the app from plain ipywidgets, so it runs in JupyterLab and its
callbacks run in plain Python too (set a widget's ``.value``, read ``app.result.value``).

How the controls work together: the text box always holds the sum on show. Moving a slider
writes ``a + b`` into it. Typing a sum there, of any size, and pressing Enter shows that sum and
leaves the sliders where they are. The ``bits`` slider sets how many bits the operand sliders
reach (their largest value is ``2**bits - 1``).

The result shows the network's sum and the true one, the bits of both with the carries marked,
and the update gate ``z`` of every hidden unit at every step as a picture.

By keyboard alone: Tab goes from control to control in the order they are drawn (``bits``, ``a``,
``b``, each slider then its value box, then the text box), the arrow keys move a slider, and
typing into a value box or the text box, then Enter, sets it. ``screen_reader_support()`` adds
what ipywidgets leaves out for a screen reader: a name on each slider, and the result's sentence
read out whenever it changes.
"""

import base64
import html
import io
import re

import ipywidgets as widgets
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from .bits import from_bits, pair_to_input, width_for_sum

MAX_DIGITS = 500  # longer operands work too, but take seconds: the GRU reads one bit per step
MAX_SLIDER_BITS = 52  # slider values pass through JavaScript, exact to 2**53: type longer sums
SHOWN_BITS = 64  # the table and the picture show at most this many of the lowest bits
EXAMPLE = "Type a sum such as 12 + 30, then press Enter."

# ipywidgets draws a slider's handle (role "slider") and its value box with no name, so a screen
# reader says "slider, 107" without saying which slider, and no library setting changes that. This
# script names them after the slider's own label. It also keeps one live region (role "status"),
# hidden from the eye, holding the text of whatever in the box is marked ``data-announce`` (the
# attribute's value, else an image's alt text, else the element's text): a screen reader reads it
# out each time it changes. The page runs the script when it draws the box (see
# ``screen_reader_support``), with ``element`` the script's own place in the page.
SCREEN_READER_SCRIPT = """
(function start(tries) {
  if (typeof element === 'undefined') return;  // a page that runs scripts without saying where
  const here = element.jquery ? element[0] : element;  // the classic notebook gives jQuery
  const box = here.closest('.widget-box');
  if (!box) {  // not in the page yet: the box is drawn after its parts
    if (tries > 0) requestAnimationFrame(() => start(tries - 1));
    return;
  }
  const status = document.createElement('div');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  status.className = 'widget-status';
  status.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;' +
    'clip:rect(0 0 0 0);white-space:nowrap';
  here.appendChild(status);
  const said = () => [...box.querySelectorAll('[data-announce]')]
    .map(e => e.getAttribute('data-announce') || e.getAttribute('alt') || e.textContent)
    .join(' ').trim();
  let last = said();  // what shows at first is not news
  const name = () => {
    for (const slider of box.querySelectorAll('.widget-slider')) {
      const label = slider.querySelector('.widget-label')?.textContent.trim();
      if (!label) continue;
      const controls = '[role=slider], .ui-slider-handle, .widget-readout';  // handle, value box
      for (const control of slider.querySelectorAll(controls)) {
        if (control.getAttribute('aria-label') !== label) {
          control.setAttribute('aria-label', label);
        }
        if (control.isContentEditable && !control.hasAttribute('role')) {
          control.setAttribute('role', 'textbox');  // a value box one can type into
        }
      }
    }
    const now = said();
    if (now !== last) status.textContent = last = now;
  };
  name();
  new MutationObserver(name).observe(box, {childList: true, subtree: true, characterData: true});
})(600);
"""


def parse_sum(text):
    """The two operands of a sum typed as ``a + b``; a ValueError says what is wrong, for a reader.

    >>> parse_sum(" 12 + 30 ")
    (12, 30)
    >>> parse_sum("-3 + 4")
    Traceback (most recent call last):
    ...
    ValueError: -3 is negative: the adder adds whole numbers from 0 up.
    """
    if not text.strip():
        raise ValueError(EXAMPLE)
    parts = [part.strip() for part in text.split("+")]
    if len(parts) != 2:
        raise ValueError(
            f"Write two whole numbers joined by one +, such as 12 + 30 (got {text.strip()!r})."
        )
    numbers = []
    for part in parts:
        if not part:
            raise ValueError(f"One side of the + is empty. {EXAMPLE}")
        if re.fullmatch(r"-\s*[0-9]+", part):
            raise ValueError(f"{part} is negative: the adder adds whole numbers from 0 up.")
        if not re.fullmatch(r"[0-9]+", part):
            raise ValueError(f"{part!r} is not a whole number: use only the digits 0 to 9.")
        if len(part) > MAX_DIGITS:
            raise ValueError(
                f"A number of {len(part)} digits is more than this app takes ({MAX_DIGITS})."
            )
        numbers.append(int(part))
    return tuple(numbers)


def screen_reader_support():
    """A widget that shows nothing and, put in a box of widgets, makes the box screen-reader-ready.

    In the page, it names each slider of the box (its handle and its value box) after the
    slider's label, and reads out the text of whatever the box marks ``data-announce`` when it
    changes (SCREEN_READER_SCRIPT). Without JavaScript (a static viewer) it shows nothing.

    >>> box = widgets.VBox([widgets.IntSlider(description="a"), screen_reader_support()])
    >>> box.children[-1].outputs[0]["data"]["application/javascript"] == SCREEN_READER_SCRIPT
    True
    """
    script = widgets.Output()
    script.outputs = (
        {
            "output_type": "display_data",
            "data": {"application/javascript": SCREEN_READER_SCRIPT, "text/plain": ""},
            "metadata": {},
        },
    )
    script.add_class("screen-reader-support")
    return script


def run_adder(adder, a, b, steps):
    """The adder's predicted bits (steps,) and update gate ``z`` (steps, hidden) for ``a + b``."""
    gates = adder.gru.gates(pair_to_input(a, b, steps))
    logits = adder.readout(tf.constant(gates["h"])).numpy()
    return (logits[0, :, 0] > 0).astype(np.int64), gates["z"][0]


def gate_picture(z, carries):
    """A PNG (bytes) of the update gate ``z`` (steps, hidden): highest bit left, carries marked."""
    steps, hidden = z.shape
    width = max(0.2 * steps, 3.2)  # inches of heatmap; margins are fixed, in inches
    fig = Figure(figsize=(width + 1.4, 2.6), dpi=80)  # no layout engine: it would triple the time
    ax = fig.add_axes((0.6 / (width + 1.4), 0.45 / 2.6, width / (width + 1.4), 1.75 / 2.6))
    colorbar_ax = fig.add_axes(
        ((width + 0.7) / (width + 1.4), 0.45 / 2.6, 0.12 / (width + 1.4), 1.75 / 2.6)
    )
    image = ax.imshow(
        z[::-1].T,
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=1,
        extent=(steps - 0.5, -0.5, hidden - 0.5, -0.5),
    )
    carried = np.flatnonzero(carries)
    ax.plot(carried, np.full(carried.shape, -1.2), "v", color="tab:orange", clip_on=False)
    ax.set_xlabel("bit (read from right to left)")
    ax.set_ylabel("hidden unit")
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.colorbar(image, cax=colorbar_ax, label="z")
    fig.text(
        0.1 / (width + 1.4),
        0.94,
        "The update gate z at each bit; ▼ marks a carry coming in",
        fontsize=10,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def gate_description(z, carries):
    """The picture's text alternative: what it shows and what to read from it.

    ``z`` is (steps, hidden) and ``carries`` has a 0 or 1 per step, as for ``gate_picture``.
    """
    steps, hidden = z.shape
    carried = np.asarray(carries, dtype=bool)
    text = (
        f"A heat map of the update gate z of each of the {hidden} hidden units (rows) at each "
        f"of the {steps} bits (columns, highest bit on the left), from 0 (dark purple) to 1 "
        f"(yellow), with a triangle over each of the {carried.sum()} bits a carry comes into."
    )
    if 0 < carried.sum() < steps:
        text += (
            f" The gate's mean is {z[carried].mean():.2f} at those bits "
            f"and {z[~carried].mean():.2f} at the others."
        )
    return text


def carries_in(a, b):
    """The carries of ``a + b`` as a number: its bit t is 1 where a carry comes into bit t.

    >>> bin(carries_in(0b011, 0b001))      # 3 + 1: carries into bits 1 and 2
    '0b110'
    """
    return (a + b) ^ a ^ b


def _cell(bit, style=""):
    return f'<td style="padding:0 4px;text-align:center;{style}">{bit}</td>'


WRONG = "background:#fca5a5;font-weight:bold;text-decoration:underline"  # not by colour alone


def bit_table(a, b, predicted):
    """An HTML table of the bits, highest on the left: carries in amber, wrong network bits red
    (and bold and underlined, for a reader who cannot tell the colours apart)."""
    total, carry = a + b, carries_in(a, b)
    shown = range(min(len(predicted), SHOWN_BITS) - 1, -1, -1)
    rows = [
        ("bit", [_cell(t, "color:#595959") for t in shown]),
        (
            "carry in",
            [_cell(1, "background:#fde68a") if carry >> t & 1 else _cell("") for t in shown],
        ),
        ("a", [_cell(a >> t & 1) for t in shown]),
        ("b", [_cell(b >> t & 1) for t in shown]),
        (
            "network",
            [_cell(predicted[t], "" if predicted[t] == total >> t & 1 else WRONG) for t in shown],
        ),
        ("true sum", [_cell(total >> t & 1) for t in shown]),
    ]
    header = '<th scope="row" style="text-align:left;padding-right:8px;white-space:nowrap">'
    body = "".join(f"<tr>{header}{name}</th>{''.join(cells)}</tr>" for name, cells in rows)
    style = "font-family:monospace;border-collapse:collapse"
    return f'<table class="adder-bits" style="{style}">{body}</table>'


def result_html(adder, a, b, steps):
    """The result area's HTML for ``a + b``, the adder reading ``steps`` bits."""
    predicted, z = run_adder(adder, a, b, steps)
    network, true = from_bits(predicted), a + b
    shown = min(steps, SHOWN_BITS)
    carries = [carries_in(a, b) >> t & 1 for t in range(shown)]
    verdict = (
        '<span class="adder-verdict" style="color:#15803d">they agree</span>'
        if network == true
        else '<span class="adder-verdict" style="color:#b91c1c">they differ</span>'
    )
    note = f" (the lowest {shown} of {steps})" if shown < steps else ""
    picture = base64.b64encode(gate_picture(z[:shown], carries)).decode("ascii")
    alt = html.escape(gate_description(z[:shown], carries))
    # width 0 and min-width 100%: as wide as the notebook, never wider; long rows scroll sideways
    return (
        f'<div style="width:0;min-width:100%;overflow-x:auto">'
        f'<div class="adder-summary" data-announce style="word-break:break-all">'
        f"{a} + {b}: the network says "
        f'<b class="adder-network-sum">{network}</b>, the true sum is '
        f'<b class="adder-true-sum">{true}</b>: {verdict}.</div>'
        f'<div style="margin-top:6px">Its bits{note}, highest on the left; '
        f"the network reads them from right to left, one per step (carries in amber, "
        f"wrong bits of the network red and underlined):</div>"
        f"{bit_table(a, b, predicted)}"
        f'<img class="adder-gates" alt="{alt}" src="data:image/png;base64,{picture}">'
        f"</div>"
    )


def _check_bits(name, value, largest, largest_name):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not (1 <= value <= largest)
    ):
        raise ValueError(
            f"{name}: expected a whole number from 1 to {largest_name} ({largest}), got {value!r}"
        )
    return int(value)


def adder_app(adder, bits=8, max_bits=16):
    """The interactive adder for a trained ``adder``, as a ``VBox``.

    Its parts are attributes: ``bits``, ``a``, ``b`` (sliders), ``text`` (the sum on show, any
    size) and ``result`` (an HTML widget). Bad input in the text box shows a message there. Its
    last child, ``screen_reader_support()``, names the sliders for a screen reader and has it
    read out the result's first sentence (or the message) whenever it changes.

    >>> from gru_helpers import Adder
    >>> app = adder_app(Adder(hidden_size=4))
    >>> app.a.value, app.b.value = 5, 7
    >>> app.text.value
    '5 + 7'
    >>> 'the true sum is <b class="adder-true-sum">12</b>' in app.result.value
    True
    >>> app.text.value = "3.5 + 1"
    >>> print(app.result.value)  # doctest: +NORMALIZE_WHITESPACE
    <div class="adder-error" data-announce style="color:#b91c1c">'3.5' is not a whole number:
    use only the digits 0 to 9.</div>
    >>> adder_app(Adder(hidden_size=4), bits=40)
    Traceback (most recent call last):
    ...
    ValueError: bits: expected a whole number from 1 to max_bits (16), got 40
    """
    max_bits = _check_bits("max_bits", max_bits, MAX_SLIDER_BITS, "MAX_SLIDER_BITS")
    bits = _check_bits("bits", bits, max_bits, "max_bits")
    slider = dict(min=0, max=2**bits - 1, continuous_update=False)
    bits_slider = widgets.IntSlider(
        value=bits, min=1, max=max_bits, description="bits", continuous_update=False
    )
    a = widgets.IntSlider(value=107 % 2**bits, description="a", **slider)
    b = widgets.IntSlider(value=46 % 2**bits, description="b", **slider)
    text = widgets.Text(
        description="a + b",
        placeholder="12 + 30",
        continuous_update=False,
        layout=widgets.Layout(width="95%"),
    )
    result = widgets.HTML(layout=widgets.Layout(width="100%"))

    def show(change=None):
        try:
            x, y = parse_sum(text.value)
        except ValueError as error:
            result.value = (
                f'<div class="adder-error" data-announce style="color:#b91c1c">'
                f"{html.escape(str(error), quote=False)}</div>"
            )
            return
        steps = max(bits_slider.value + 1, width_for_sum(x, y))
        result.value = result_html(adder, x, y, steps)

    def slider_moved(change=None):
        new = f"{a.value} + {b.value}"
        if text.value == new:
            show()
        else:
            text.value = new  # which shows it

    def bits_changed(change):
        a.max = b.max = 2**bits_slider.value - 1  # lowers a or b to fit, if need be
        slider_moved()

    a.observe(slider_moved, "value")
    b.observe(slider_moved, "value")
    bits_slider.observe(bits_changed, "value")
    text.observe(show, "value")

    app = widgets.VBox([bits_slider, a, b, text, result, screen_reader_support()])
    for widget, name in [
        (app, "app"),
        (bits_slider, "bits"),
        (a, "a"),
        (b, "b"),
        (text, "text"),
        (result, "result"),
    ]:
        widget.add_class(f"adder-{name}")
    app.bits, app.a, app.b, app.text, app.result = bits_slider, a, b, text, result
    slider_moved()
    return app
