"""Tables for readers: named columns, no meaningless index, numbers formatted alike.

:func:`table` turns a ``pandas.DataFrame`` into a ``pandas`` Styler that the book shows as an HTML
table with its caption attached: columns renamed in words (a header that still looks like a
program identifier is refused), the index hidden unless it means something (then it is a column
with a name), integers printed as integers, other numbers with the same number of significant
figures, a dash for a missing value, minus signs that do not break a number across lines.
"""
from __future__ import annotations

import math
import numbers
import re

import numpy as np
import pandas as pd

__all__ = ["MISSING", "table", "format_number"]

MISSING = "\u2013"         # en dash, shown for NaN / None
MINUS = "\u2212"
_IDENTIFIER = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$|^[a-z]+[A-Z]\w*$")


def format_number(value, digits=3, *, integer=False):
    """``value`` as the book prints it in a table.

    Integers (or ``integer=True``) as integers; other finite numbers with ``digits``
    significant figures, in plain notation between 1e-3 and 1e5 and in scientific notation
    (``1.39 × 10⁻⁷`` written ``1.39e−7``) outside; NaN or None as :data:`MISSING`; minus signs as
    U+2212 (a line never breaks inside a number).
    """
    if value is None or (isinstance(value, numbers.Real) and math.isnan(value)):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    if not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    x = float(value)
    if math.isinf(x):
        text = "∞" if x > 0 else "-∞"
    elif integer or isinstance(value, (numbers.Integral, np.integer)):
        if integer and x != round(x):
            raise ValueError(f"integer=True but value {value!r} is not an integer")
        text = f"{int(round(x)):d}"
    elif x == 0:
        text = "0"
    elif 1e-3 <= abs(x) < 1e5:
        exponent = math.floor(math.log10(abs(x)))
        decimals = max(digits - 1 - exponent, 0)
        text = f"{x:.{decimals}f}"
        if decimals == 0 and abs(float(text)) >= 10 ** digits:
            text = f"{round(x, digits - 1 - exponent):.0f}"
    else:
        mantissa, exp = f"{x:.{digits - 1}e}".split("e")
        text = f"{mantissa}e{int(exp)}"
    return text.replace("-", MINUS)


def _integral(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_integer_dtype(series):
        return True
    if not pd.api.types.is_float_dtype(series):
        return False
    values = series.dropna().to_numpy(float)
    return values.size > 0 and bool(np.all(np.isfinite(values)) and np.all(np.abs(values) < 1e15)
                                    and np.all(values == np.round(values)))


def table(frame, caption, *, columns=None, index=None, digits=3, integers=None, transpose=False):
    """A readers' table: a ``pandas.io.formats.style.Styler`` showing ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
    caption : str
        Shown above the table, attached to it (an HTML ``<caption>``).
    columns : dict, optional
        ``{column: header}``: the columns to show, in this order, under these headers. Without it
        every column is shown under its own name. A header that looks like a program identifier
        (``snake_case``, ``camelCase``) is a ``ValueError``.
    index : str, optional
        Show the index as the first column under this header; by default the index is hidden.
    digits : int or dict
        Significant figures of non-integer numbers (one value, or ``{header: digits}``).
    integers : sequence of str, optional
        Headers of columns printed as integers; by default a column is an integer column when
        its dtype is integer or every value is a whole number.
    transpose : bool
        Show the table transposed (rows become columns), for a wide table with few rows.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("caption must be a non-empty string")
    df = frame.copy()
    if columns is not None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise KeyError(f"columns names columns not in the frame: {missing}")
        df = df[list(columns)].rename(columns=columns)
    if index is not None:
        df = df.rename_axis(index).reset_index()
    df.columns = [str(c) for c in df.columns]
    if len(set(df.columns)) != len(df.columns):
        raise ValueError(f"duplicate headers: {list(df.columns)}")
    for header in df.columns:
        if _IDENTIFIER.match(header):
            raise ValueError(f"header {header!r} looks like a program identifier: name it in "
                             "words (columns=...)")
    digits_of = digits if isinstance(digits, dict) else dict.fromkeys(df.columns, digits)
    unknown = set(digits_of) - set(df.columns)
    if unknown:
        raise KeyError(f"digits names unknown headers: {sorted(unknown)}")
    integer_columns = (set(integers) if integers is not None
                       else {c for c in df.columns if _integral(df[c])})
    unknown = integer_columns - set(df.columns)
    if unknown:
        raise KeyError(f"integers names unknown headers: {sorted(unknown)}")
    text = pd.DataFrame({c: [format_number(v, digits_of.get(c, 3), integer=c in integer_columns)
                             if v is None or isinstance(v, numbers.Number) else str(v)
                             for v in df[c]] for c in df.columns})
    if transpose:
        first = text.columns[0]
        text = text.set_index(first).T.rename_axis(first).reset_index()
        text.columns = [str(c) for c in text.columns]
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    if transpose:           # the rows are the quantities now: every column but the first
        numeric = list(text.columns[1:]) if numeric else []
    styler = (text.style.hide(axis="index").set_caption(caption)
              .set_table_attributes('class="fep-table"'))
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    return styler
