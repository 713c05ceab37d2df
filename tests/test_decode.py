"""redaction/decode.py: each decoded character keeps the span of the original it came from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from logscan.redaction.decode import decode_once, decodings

_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "7",
        " ",
        "\n",
        "é",
        "\\u0041",
        "\\n",
        '\\"',
        "&amp;",
        "&#x41;",
        "&quot;",
        "%3D",
        "%41",
        "\u200b",
        "\\",
    ]
)


def _reference(text: str) -> tuple[str, list[int], list[int]] | None:
    """decode_once written one character at a time, the plain way: what the real one must equal."""
    from logscan.redaction import decode

    if not decode._ESCAPE.search(text):
        return None
    out, starts, ends, pos = [], [], [], 0
    for m in decode._ESCAPE.finditer(text):
        for i in range(pos, m.start()):
            out.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        for ch in decode._one(m):
            out.append(ch)
            starts.append(m.start())
            ends.append(m.end())
        pos = m.end()
    for i in range(pos, len(text)):
        out.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return "".join(out), starts, ends


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_decoding_equals_the_character_by_character_reading(text: str) -> None:
    found = decode_once(text)
    expected = _reference(text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert (found.text, list(found.starts), list(found.ends)) == expected
    assert len(found.starts) == len(found.ends) == len(found.text)


def test_a_secret_escaped_twice_maps_back_to_its_encoded_original() -> None:
    text = "token=\\u00254\\u0031BC end"  # a JSON escape of a percent escape of "A"
    layers = decodings(text)
    assert [layer.text for layer in layers] == ["token=%41BC end", "token=ABC end"]
    last = layers[-1]
    start = last.text.index("ABC")
    assert text[slice(*last.original_span(start, start + 3))] == "\\u00254\\u0031BC"
