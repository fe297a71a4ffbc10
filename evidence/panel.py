"""The unit-by-period table every method works on, and how it is cut into windows.

A `Panel` holds one indicator for a treated city and its candidate comparison
cities on a complete period index (missing periods are NaN, never filled). When
the launch date falls inside a period (an October launch in annual data), that
period is a transition period: part before, part after, so it belongs to neither
window and the methods see it as missing; the next period is the first post
period. A launch on a period's first day (any launch in daily data) has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gosmart.texts import Message, city

FREQ = {"annual": "YS", "monthly": "MS", "daily": "D", "quarterly": "QS"}
PERIODS_PER_YEAR = {"annual": 1, "quarterly": 4, "monthly": 12, "daily": 365}


class NotEstimable(ValueError):
    """A method cannot give an honest number on this panel; the message says why."""

    def __init__(self, message: Message | str) -> None:
        super().__init__(str(message))
        self.message = message


def period_floor(ts: pd.Timestamp, grain: str) -> pd.Timestamp:
    """Start of the period of `grain` that contains `ts`."""
    ts = pd.Timestamp(ts)
    if grain == "annual":
        return pd.Timestamp(ts.year, 1, 1)
    if grain == "quarterly":
        return pd.Timestamp(ts.year, 3 * ((ts.month - 1) // 3) + 1, 1)
    if grain == "monthly":
        return pd.Timestamp(ts.year, ts.month, 1)
    return ts.normalize()


def period_label(ts: pd.Timestamp, grain: str) -> str:
    """A period named at its grain: '2019', '2019-Q4', '2019-10', '2019-10-15'."""
    ts = pd.Timestamp(ts)
    if grain == "annual":
        return str(ts.year)
    if grain == "quarterly":
        return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"
    if grain == "monthly":
        return f"{ts.year}-{ts.month:02d}"
    return ts.date().isoformat()


def next_period(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    """Start of the period after the one starting at `start`."""
    return pd.Timestamp(start) + pd.tseries.frequencies.to_offset(FREQ[grain])


@dataclass
class Panel:
    """Outcome values (index: period start, columns: city ids) around one launch date.

    `launch` is the start of the period that contains the launch date; `launch_date`
    the date as given; `post_start` the first period wholly after it.
    """

    values: pd.DataFrame
    treated: str
    launch: pd.Timestamp
    grain: str
    scale: str = "level"  # 'level' or 'log' (values already log-transformed)
    notes: list[str] = field(default_factory=list)
    launch_date: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        given = pd.Timestamp(self.launch if self.launch_date is None else self.launch_date)
        self.launch_date = given
        self.launch = period_floor(given, self.grain)
        if self.treated not in self.values.columns:
            raise NotEstimable(Message("no_treated_series", city=city(self.treated)))
        self.values = self.values.sort_index()

    @property
    def transition(self) -> pd.Timestamp | None:
        """The period holding the launch when the launch falls inside it, else None."""
        return self.launch if self.launch_date != self.launch else None

    @property
    def post_start(self) -> pd.Timestamp:
        return self.launch if self.transition is None else next_period(self.launch, self.grain)

    @property
    def fit_values(self) -> pd.DataFrame:
        """`values` with the transition period blanked: what every method fits on."""
        if self.transition is None or self.transition not in self.values.index:
            return self.values
        out = self.values.copy()
        out.loc[self.transition] = np.nan
        return out

    @property
    def donors(self) -> list[str]:
        return [c for c in self.values.columns if c != self.treated]

    @property
    def y(self) -> pd.Series:
        return self.fit_values[self.treated]

    @property
    def post_mask(self) -> np.ndarray:
        return np.asarray(self.values.index >= self.post_start)

    def with_launch(self, launch: pd.Timestamp) -> Panel:
        return Panel(self.values, self.treated, launch, self.grain, self.scale, list(self.notes))

    def with_values(self, values: pd.DataFrame, scale: str) -> Panel:
        """The same launch on other values (e.g. their logarithm)."""
        return Panel(
            values, self.treated, self.launch, self.grain, scale, list(self.notes), self.launch_date
        )

    def truncated(self, end: pd.Timestamp) -> Panel:
        """The panel restricted to periods before `end` (for placebos in time)."""
        return Panel(
            self.values[self.values.index < end],
            self.treated,
            self.launch,
            self.grain,
            self.scale,
            list(self.notes),
            self.launch_date,
        )


def complete_index(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Reindex to every period between the first and last, so gaps show as NaN."""
    if frame.empty:
        return frame
    full = pd.date_range(frame.index.min(), frame.index.max(), freq=FREQ[grain])
    return frame.reindex(full)


def own_window(panel: Panel, min_pre: int, min_post: int = 1) -> pd.Series:
    """The treated series over its own observed span, checked for enough pre and post."""
    y = panel.y
    valid = y.dropna()
    if valid.empty:
        raise NotEstimable(Message("no_values", city=city(panel.treated)))
    y = y.loc[valid.index.min() : valid.index.max()]
    post = y.index >= panel.post_start
    n_pre, n_post = int(y[~post].notna().sum()), int(y[post].notna().sum())
    if n_pre < min_pre:
        raise NotEstimable(Message("few_pre", n=n_pre, city=city(panel.treated), need=min_pre))
    if n_post < min_post:
        raise NotEstimable(Message("few_post", n=n_post, city=city(panel.treated), need=min_post))
    pre_vals = y[~post].dropna()
    if np.nanstd(pre_vals.to_numpy()) == 0:
        raise NotEstimable(Message("constant_pre", city=city(panel.treated)))
    return y


@dataclass
class ComparisonWindow:
    """Treated and donor values over the periods all kept units share."""

    y: pd.Series  # treated (may hold NaN in periods the treated city did not report)
    donors: pd.DataFrame  # complete over the periods where y is present
    post: np.ndarray
    dropped: dict[str, str]

    @property
    def fit_rows(self) -> np.ndarray:
        return np.asarray(self.y.notna())


def comparison_window(
    panel: Panel, min_pre: int, min_donors: int = 1, too_few: str | None = None
) -> ComparisonWindow:
    """Choose the longest window in which enough donors are complete.

    Donors with a gap where the treated city has a value are dropped (and said so)
    rather than filled; the window starts late enough that at least half of the usable
    donors cover it, and runs to the treated city's last period when they reach it.
    When they stop earlier (a comparison series that ends first) it ends with them,
    never filled: the window keeping the most donors wins, then the latest end, then
    the earliest start. `too_few` names the message (with `{why}`) that says which
    design needs more donors than there are.
    """
    y_all = own_window(panel, min_pre=min_pre)
    donors = panel.fit_values[panel.donors].loc[y_all.index]
    have = y_all.notna().to_numpy()
    is_post = np.asarray(y_all.index >= panel.post_start)
    present = donors.notna().to_numpy()
    names = list(donors.columns)
    dropped: dict[str, str] = {}
    usable = []
    for j, d in enumerate(names):
        if (
            not (present[:, j] & have & ~is_post).any()
            or not (present[:, j] & have & is_post).any()
        ):
            dropped[d] = "no values before or after launch"
        else:
            usable.append(j)
    if len(usable) < min_donors:
        key = "few_donors_one" if len(usable) == 1 else "few_donors"
        why = Message(key, n=len(usable), need=min_donors)
        raise NotEstimable(why if too_few is None else Message(too_few, why=why))
    first_rows = sorted({int(np.argmax(present[:, j])) for j in usable})
    need = max(min_donors, int(np.ceil(len(usable) / 2)))

    def complete_over(first: int, last: int) -> tuple[np.ndarray, list[int]]:
        rows = have.copy()
        rows[:first] = False
        rows[last + 1 :] = False
        return rows, [j for j in usable if present[rows, j].all()]

    span = next(
        ((f, len(have) - 1) for f in first_rows if len(complete_over(f, len(have) - 1)[1]) >= need),
        None,
    )
    if span is None:  # the comparison series stop before the treated city's: end with them
        last_rows = {len(present) - 1 - int(np.argmax(present[::-1, j])) for j in usable}
        best: tuple[int, int, int] | None = None  # (donors kept, last row, -first row)
        for last in last_rows:
            for first in first_rows:
                rows, complete = complete_over(first, last)
                key = (len(complete), last, -first)
                enough = len(complete) >= need and int((rows & ~is_post).sum()) >= min_pre
                if enough and (rows & is_post).any() and (best is None or key > best):
                    best, span = key, (first, last)
    if span is None:
        raise NotEstimable(Message("no_common_window"))
    chosen = [names[j] for j in complete_over(*span)[1]]
    for j in usable:
        if names[j] not in chosen:
            dropped[names[j]] = "missing values inside the comparison window"
    start, end = y_all.index[span[0]], y_all.index[span[1]]
    y = y_all[(y_all.index >= start) & (y_all.index <= end)]
    post = np.asarray(y.index >= panel.post_start)
    n_pre = int(y[~post].notna().sum())
    if n_pre < min_pre:
        raise NotEstimable(Message("few_pre_common", n=n_pre, need=min_pre))
    d = donors.loc[y.index, chosen]
    return ComparisonWindow(y=y, donors=d, post=post, dropped=dropped)


def n_periods_label(n: int, grain: str) -> Message:
    return Message(f"periods_{grain}_one" if n == 1 else f"periods_{grain}", n=n)
