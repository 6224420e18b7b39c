"""What a page says about its link, and the message a failed page shows.

`url_notices` lists the URL parameters a page will ignore (unknown, malformed, out of range,
repeated) with the value used instead; pages call `show_url_notices` once, at the top.
"""
from __future__ import annotations

import streamlit as st

from dashboard import presets
from dashboard.settings import SETTINGS, URL_EXTRAS, NotWhole

FAILURE_MESSAGE = ("Something went wrong while computing this page. The settings have not been "
                   "lost: change one and try again, or reset the page. (Details are in the server log.)")


def code_text(text: str, limit: int = 20) -> str:
    """Text from a URL as a notice shows it inside a `code span`: cut to `limit` characters, with no
    backtick or control character, which could end the span and let markdown (a link) through."""
    text = "".join("'" if c == "`" else c if c.isprintable() else "\ufffd" for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def url_notices(page_keys) -> list[str]:
    """Notices for URL parameters this page will ignore; shown once, when the page first reads them."""
    notices = []
    for key in st.query_params.keys():
        values = st.query_params.get_all(key)
        if key in URL_EXTRAS:
            continue
        if key not in SETTINGS:
            notices.append(f"`{code_text(key)}` is not a setting of Recurrence Lab; ignored.")
        elif key not in page_keys:
            continue  # another page's setting, kept for when the student goes there
        elif len(values) != 1:
            notices.append(f"`{key}` was given {len(values)} times; using the default "
                           f"{presets.starting_value(key)!r}.")
        else:
            try:
                SETTINGS[key].parse(values[0])
            except ValueError as reason:
                shown = code_text(values[0])
                fallback = "" if isinstance(reason, NotWhole) else f"; using the default {presets.starting_value(key)!r}"
                notices.append(f"`{key}={shown}` {reason}{fallback}.")
    return notices + preset_notices()


def show_url_notices(page_keys) -> None:
    notices = url_notices(page_keys)
    if notices:
        st.warning("Some settings in this link could not be used:\n\n" + "\n".join(f"- {n}" for n in notices),
                   icon=":material/link:")


def preset_notices() -> list[str]:
    """Notices for a `preset` or `presenter` value in the URL that cannot be used."""
    found = []
    for key in (presets.PRESET, presets.PRESENTER):
        values = st.query_params.get_all(key)
        if len(values) > 1:
            found.append(f"`{key}` was given {len(values)} times; ignored.")
        elif key == presets.PRESET and values and values[0] not in presets.PRESETS:
            found.append(f"`preset={code_text(values[0])}` is not a preset of Recurrence Lab "
                         f"(there are: {', '.join(presets.PRESETS)}); using the page's own defaults.")
        elif key == presets.PRESENTER and values and values[0] not in presets.PRESENTER_ON + presets.PRESENTER_OFF:
            found.append(f"`presenter={code_text(values[0])}` must be 1 or 0; ignored.")
    return found
