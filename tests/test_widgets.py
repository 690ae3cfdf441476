"""The interactive adder's callbacks, driven as JupyterLab drives them.

Set a widget's value, read the result. And what makes it usable by keyboard and with a screen
reader: labels, the order of the controls, the sentence that is read out, a picture described in
words, and wrong bits marked by more than their colour (tests/test_browser.py drives it by
keyboard in JupyterLab).
"""

import base64
import re

import numpy as np
import pytest

from gru_helpers import Adder, adder_app
from gru_helpers.widgets import (
    MAX_DIGITS,
    SCREEN_READER_SCRIPT,
    SHOWN_BITS,
    WRONG,
    gate_description,
    parse_sum,
)


@pytest.fixture
def app(trained):
    return adder_app(trained)


def shown(app):
    """The network's sum, the true sum and the verdict the result area shows."""
    value = app.result.value
    network = re.search(r'class="adder-network-sum">(\d+)<', value).group(1)
    true = re.search(r'class="adder-true-sum">(\d+)<', value).group(1)
    verdict = re.search(r'class="adder-verdict"[^>]*>([^<]+)<', value).group(1)
    return int(network), int(true), verdict


def error(app):
    match = re.fullmatch(r'<div class="adder-error"[^>]*>([^<]+)</div>', app.result.value)
    return match and match.group(1)


def test_starts_with_a_sum_on_show(app):
    assert app.text.value == "107 + 46"
    assert shown(app) == (153, 153, "they agree")


def test_moving_a_slider_writes_the_sum_and_shows_it(app):
    app.a.value = 200
    assert app.text.value == "200 + 46"
    assert shown(app) == (246, 246, "they agree")
    app.b.value = 55
    assert app.text.value == "200 + 55"
    assert shown(app) == (255, 255, "they agree")


@pytest.mark.parametrize("a, b", [(0, 0), (0, 255), (255, 255)])
def test_edges_of_the_width(app, a, b):
    app.a.value, app.b.value = a, b
    assert app.a.max == app.b.max == 255
    assert shown(app) == (a + b, a + b, "they agree")


def test_bits_set_the_sliders_largest_value(app):
    app.a.value = 200
    app.bits.value = 4
    assert (app.a.max, app.a.value, app.b.value) == (15, 15, 15)
    assert app.text.value == "15 + 15"
    assert shown(app) == (30, 30, "they agree")
    app.bits.value = 16
    app.a.value = app.b.value = 2**16 - 1
    assert shown(app) == (2**17 - 2, 2**17 - 2, "they agree")


def test_the_text_box_takes_a_200_digit_sum_and_leaves_the_sliders(app):
    a, b = int("7" * 200), int("3" * 199 + "9")
    app.text.value = f"{a} + {b}"
    assert shown(app) == (a + b, a + b, "they agree")
    assert f"the lowest {SHOWN_BITS} of {(a + b).bit_length()}" in app.result.value
    assert (app.a.value, app.b.value) == (107, 46)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Type a sum such as 12 + 30"),
        ("   ", "Type a sum such as 12 + 30"),
        ("-3 + 4", "-3 is negative"),
        ("3 + -4", "-4 is negative"),
        ("3.5 + 1", "'3.5' is not a whole number"),
        ("1e5 + 2", "'1e5' is not a whole number"),
        ("\u0663 + 4", "is not a whole number"),  # an Arabic-Indic 3: digits 0 to 9 only
        ("abc", "Write two whole numbers joined by one +"),
        ("1 + 2 + 3", "Write two whole numbers joined by one +"),
        ("3 +", "One side of the + is empty"),
        ("<b>1</b> + 2", "&lt;b&gt;1&lt;/b&gt;"),  # shown as text, not as HTML
        ("1" * (MAX_DIGITS + 1) + " + 1", f"more than this app takes ({MAX_DIGITS})"),
    ],
)
def test_bad_input_shows_a_message_and_the_app_keeps_working(app, text, message):
    app.text.value = text
    assert message in error(app)
    assert "Traceback" not in app.result.value
    app.text.value = "2 + 2"
    assert shown(app) == (4, 4, "they agree")


def test_a_slider_replaces_bad_text(app):
    app.text.value = "-1 + 1"
    app.a.value = 1
    assert app.text.value == "1 + 46"
    assert shown(app) == (47, 47, "they agree")


def test_parse_sum_reads_spaces_and_big_numbers():
    assert parse_sum("  12+30 ") == (12, 30)
    assert parse_sum(f"{10**199} + 0") == (10**199, 0)


def test_carries_are_marked_and_wrong_bits_are_red():
    adder = Adder(hidden_size=4)
    adder.W_y.assign(np.zeros((4, 1), np.float32))
    adder.b_y.assign([-1.0])  # every logit below 0: it always says 0
    app = adder_app(adder)
    app.a.value, app.b.value = 3, 1  # 0b11 + 0b01: carries into bits 1 and 2
    assert shown(app) == (0, 4, "they differ")
    carry_row = re.search(r"<th[^>]*>carry in</th>(.*?)</tr>", app.result.value).group(1)
    assert carry_row.count("background:#fde68a") == 2
    assert carry_row.count(">1<") == 2  # and written out, not only coloured
    assert app.result.value.count("background:#fca5a5") == 1  # the one 1-bit of 4
    assert app.result.value.count(WRONG) == 1  # bold and underlined too: not by colour alone
    assert "underline" in WRONG and "red and underlined" in app.result.value  # as the key says


def test_the_update_gate_picture_is_a_png(app):
    picture = re.search(
        r'class="adder-gates"[^>]*src="data:image/png;base64,([^"]+)"', app.result.value
    )
    assert base64.b64decode(picture.group(1)).startswith(b"\x89PNG")


def test_the_update_gate_picture_is_described_in_words(app):
    alt = re.search(r'class="adder-gates" alt="([^"]+)"', app.result.value).group(1)
    assert "16 hidden units" in alt and "9 bits" in alt  # 107 + 46 on 8 bits, and one more
    assert "5 bits a carry comes into" in alt  # 107 + 46 carries into bits 2, 3, 4, 6, 7
    assert re.search(r"mean is 0\.\d\d at those bits and 0\.\d\d at the others", alt)


def test_gate_description_says_what_to_read():
    z = np.array([[0.2, 0.4], [0.9, 0.7], [0.1, 0.3]])  # 3 steps, 2 units
    text = gate_description(z, [0, 1, 0])
    assert "the 2 hidden units" in text and "the 3 bits" in text
    assert "The gate's mean is 0.80 at those bits and 0.25 at the others." in text
    assert "mean" not in gate_description(z, [0, 0, 0])  # nothing to compare


def test_the_controls_have_labels_in_the_order_they_are_drawn(app):
    # Tab follows the order of the children; each label is the name a screen reader says
    assert [child.description for child in app.children[:4]] == ["bits", "a", "b", "a + b"]
    assert app.children[:5] == (app.bits, app.a, app.b, app.text, app.result)


def test_the_result_sentence_and_messages_are_marked_to_be_read_out(app):
    sentence = re.search(
        r'<div class="adder-summary" data-announce[^>]*>(.*?)</div>', app.result.value
    )
    assert re.sub("<[^>]+>", "", sentence.group(1)) == (
        "107 + 46: the network says 153, the true sum is 153: they agree."
    )
    app.text.value = "-3 + 4"
    assert app.result.value.startswith('<div class="adder-error" data-announce')


def test_the_app_carries_the_screen_reader_script(app):
    script = app.children[-1]
    assert script._dom_classes == ("screen-reader-support",)
    (output,) = script.outputs
    assert output["data"]["application/javascript"] == SCREEN_READER_SCRIPT
    assert output["output_type"] == "display_data" and output["data"]["text/plain"] == ""


def test_the_app_text_repr_is_short_and_has_no_picture(app):
    # What a notebook stores for a static viewer in place of the widgets: ipywidgets 8 writes
    # its own short text; ipywidgets 7 writes the repr, cut at 110 characters.
    if hasattr(app, "_repr_mimebundle_"):
        text = app._repr_mimebundle_()["text/plain"]
    else:
        text = repr(app)[:110]
    assert text.startswith("VBox(children=(IntSlider(") and "base64" not in text


@pytest.mark.parametrize(
    "options, named",
    [
        ({"bits": 0}, "bits: expected a whole number from 1 to max_bits (16), got 0"),
        ({"bits": 40}, "bits: expected a whole number from 1 to max_bits (16), got 40"),
        ({"bits": 8.0}, "bits: expected a whole number from 1 to max_bits (16), got 8.0"),
        ({"max_bits": 60}, "max_bits: expected a whole number from 1 to MAX_SLIDER_BITS (52)"),
        ({"bits": 8, "max_bits": 4}, "bits: expected a whole number from 1 to max_bits (4)"),
    ],
)
def test_bits_out_of_range_is_a_clear_error(options, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        adder_app(Adder(hidden_size=2), **options)
