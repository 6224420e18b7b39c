"""What a page says about its link, and the message a failed page shows.

`url_notices` lists the URL parameters a page will ignore (unknown, another page's, malformed, out of
range, repeated) with the value used instead; pages call `show_url_notices(url_path)` once, at the top.
`show_unknown_page` (called by app.py) says so when the link named no page and the overview runs instead.
"""
from __future__ import annotations

import streamlit as st

from dashboard import presets, registry
from dashboard.settings import SETTINGS, URL_EXTRAS, NotWhole

LINK_READ = "_link_read"  # Session State: the session's first page has read its link

FAILURE_MESSAGE = ("Something went wrong while computing this page. The settings have not been "
                   "lost: change one and try again, or reset the page. (Details are in the server log.)")


def code_text(text: str, limit: int = 20) -> str:
    """Text from a URL as a notice shows it inside a `code span`: cut to `limit` characters, with no
    backtick or control character, which could end the span and let markdown (a link) through."""
    text = "".join("'" if c == "`" else c if c.isprintable() else "\ufffd" for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def url_notices(page_keys, other_pages: bool = True) -> list[str]:
    """Notices for URL parameters a page reading `page_keys` will ignore; with `other_pages`, also for the
    settings of other pages (a link to the Keras lab with `seed`, the by-hand page's, not `lab_seed`)."""
    notices = []
    for key in st.query_params.keys():
        values = st.query_params.get_all(key)
        if key in URL_EXTRAS:
            continue
        if key not in SETTINGS:
            notices.append(f"`{code_text(key)}` is not a setting of Recurrence Lab; ignored.")
        elif key not in page_keys:
            if other_pages:
                notices.append(_other_page(key, page_keys))
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


def _other_page(key: str, page_keys) -> str:
    """The notice for a setting of other pages only, naming this page's setting of the same label."""
    label = SETTINGS[key].label
    own = [k for k in page_keys if SETTINGS[k].label == label]  # e.g. the Keras lab's Seed is lab_seed
    hint = f" Here *{label}* is `{own[0]}`." if own else ""
    return f"`{key}` is a setting of {registry.titles(SETTINGS[key].pages)}, not of this page; ignored.{hint}"


def show_url_notices(url_path: str) -> None:
    """The page's notices about its link. Another page's settings are named only on the session's first
    run, the page a link opened: when a student moves to another page, Streamlit carries the previous page's
    settings along in the URL for a run, and those are no mistake of theirs."""
    opened_by_link = LINK_READ not in st.session_state
    st.session_state[LINK_READ] = True
    notices = url_notices(registry.BY_PATH[url_path].keys, other_pages=opened_by_link)
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


def unknown_page() -> str | None:
    """The page a link asked for when it names no page of the app (Streamlit then runs the default page),
    else None. Streamlit tells only its frontend, so this reads the run's page request."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None:
        return None
    pages = manager.get_pages()
    asked_hash, asked_name = manager.intended_page_script_hash, manager.intended_page_name
    if asked_hash:
        return None if asked_hash in pages else (asked_name or "")
    if asked_name and not any(info.get("url_pathname") == asked_name for info in pages.values()):
        return asked_name
    return None


def show_unknown_page() -> None:
    asked = unknown_page()
    if asked is not None:
        named = f" `{code_text(asked)}`" if asked else ""
        st.warning(f"This link asks for a page{named} that Recurrence Lab does not have, so here is the "
                   f"{registry.DEFAULT.title.lower()}: its map below links every page.",
                   icon=":material/link_off:")
