"""Numbers for the prose of a chapter, glued in one call.

The book's text prints computed numbers through myst-nb's ``{glue:text}`key:format``` role.
:func:`glue_numbers` glues a whole set of them in one call, from a cell the page does not show:
each value becomes a plain Python number (so the text's format specification applies to it), a
string or a markdown snippet. A value that is not finite is refused with its key named, so a
page can never print ``nan``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["glue_numbers", "plain_value"]


def plain_value(key, value):
    """``value`` as a plain Python ``int``, ``float``, ``bool`` or ``str`` (a 0-d or one-element
    array counts as its element); a ``ValueError`` naming ``key`` for anything not finite,
    a ``TypeError`` for anything that is not a number or a string."""
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise TypeError(f"{key}: a number or a string is needed, got {type(value).__name__} "
                        f"{array.shape if array.size != 1 else ''}".rstrip())
    item = array.reshape(()).item()
    if isinstance(item, numbers.Real) and not isinstance(item, bool) and not math.isfinite(item):
        raise ValueError(f"{key}: the value is {item}; glue a number, or say in the text why "
                         "there is none")
    return item


def glue_numbers(values=None, /, *, markdown=(), **named):
    """Glue every entry of ``values`` (a mapping) and of the keyword arguments for the page's
    ``{glue:text}`` roles, without displaying anything.

    Parameters
    ----------
    values : mapping, optional
        ``{key: value}``; combined with ``named`` (a key given twice is a ``ValueError``).
    markdown : iterable of str
        Keys whose (string) value is markdown, for ``{glue:md}`` (the paper's numbers as it
        prints them, a bold status, ...).

    Returns
    -------
    dict
        ``{key: glued value}``, for the hidden cells that assert on the same numbers.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    merged = dict(values or {})
    twice = sorted(set(merged) & set(named))
    if twice:
        raise ValueError(f"keys given twice: {twice}")
    merged.update(named)
    markdown = set(markdown)
    unknown = sorted(markdown - set(merged))
    if unknown:
        raise KeyError(f"markdown names keys that are not glued: {unknown}")
    plain = {}
    for key, value in merged.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"glue keys must be identifiers, got {key!r}")
        plain[key] = plain_value(key, value)
        if key in markdown:
            glue(key, Markdown(str(plain[key])), display=False)
        else:
            glue(key, plain[key], display=False)
    return plain
