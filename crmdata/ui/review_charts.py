"""The review dashboard's two charts as inline SVG: no plotting library in the kernel's page.

:func:`weights_svg` draws a pair's match-weight waterfall (the prior, then each comparison's
weight as a bar starting where the running total stood, the total last), so a reviewer sees
which evidence carried the pair and which spoke against it. :func:`threshold_svg` draws the
precision and recall that the review decisions so far give at each threshold, with the scan's
threshold marked. Both are pure: data in, markup out.
"""

from __future__ import annotations

import html
import math

import pandas as pd

_ROW = 18
_LABEL_W = 240
_PLOT_W = 300
_PAD = 6


def _x(value: float, low: float, high: float) -> float:
    return _LABEL_W + (value - low) / (high - low) * _PLOT_W


def weights_svg(frame: pd.DataFrame) -> str:
    """A waterfall frame (:func:`crmdata.dedupe.explain.waterfall`) as a horizontal bar chart."""
    totals = [0.0, *frame["total"].astype(float).tolist()]
    low, high = min(totals) - 1.0, max(totals) + 1.0
    height = _ROW * len(frame) + 2 * _PAD + 14
    parts = [f"<svg class='crm-weights-chart' xmlns='http://www.w3.org/2000/svg' "
             f"width='{_LABEL_W + _PLOT_W + 70}' height='{height}' role='img' aria-label='match weights'>"]
    zero = _x(0.0, low, high)
    parts.append(f"<line x1='{zero:.1f}' y1='{_PAD}' x2='{zero:.1f}' y2='{height - _PAD - 14}' "
                 "stroke='#888'/>")
    start = 0.0
    for i, row in enumerate(frame.to_dict("records")):
        y = _PAD + i * _ROW
        last = row['step'] == "total"
        step = float(row['total']) if last else float(row['weight']) + float(row['tf_weight'])
        begin = 0.0 if row['step'] in ("prior", "total") else start
        end = begin + step if not last else step
        x0, x1 = sorted((_x(begin, low, high), _x(end, low, high)))
        color = "#555" if last else ("#2e7d32" if step >= 0 else "#c62828")
        label = row['label'] if row['step'] in ("prior", "total") else f"{row['comparison']}: {row['label']}"
        parts.append(f"<text x='{_LABEL_W - 4}' y='{y + 13}' text-anchor='end' font-size='11'>"
                     f"{html.escape(str(label))}</text>")
        parts.append(f"<rect class='crm-weight-bar' x='{x0:.1f}' y='{y + 3}' width='{max(x1 - x0, 1.0):.1f}' "
                     f"height='{_ROW - 6}' fill='{color}'><title>{html.escape(str(label))}: "
                     f"{step:+.2f}</title></rect>")
        parts.append(f"<text x='{_LABEL_W + _PLOT_W + 4}' y='{y + 13}' font-size='11'>{step:+.1f}</text>")
        start = float(row['total'])
    probability = float(frame["probability"].to_numpy()[-1])
    parts.append(f"<text x='{_LABEL_W}' y='{height - 4}' font-size='11'>match weight {start:+.1f} bits = "
                 f"probability {probability:.3f}</text></svg>")
    return "".join(parts)


def threshold_svg(curve: pd.DataFrame, threshold: float) -> str:
    """Precision and recall by threshold (:func:`crmdata.dedupe.review_quality.threshold_curve`)
    as two lines on 0..1, the scan's ``threshold`` as a dashed mark."""
    width, height, left, bottom = 460, 170, 34, 24
    plot_w, plot_h = width - left - 10, height - bottom - 10
    ts = curve["threshold"].astype(float)
    t_low, t_high = float(ts.min()), float(ts.max())
    span = (t_high - t_low) or 1.0

    def xy(t: float, v: float) -> str:
        return f"{left + (t - t_low) / span * plot_w:.1f},{10 + (1 - v) * plot_h:.1f}"

    parts = [f"<svg class='crm-threshold-chart' xmlns='http://www.w3.org/2000/svg' width='{width}' "
             f"height='{height + 16}' role='img' aria-label='precision and recall by threshold'>",
             f"<rect x='{left}' y='10' width='{plot_w}' height='{plot_h}' fill='none' stroke='#bbb'/>"]
    for v in (0.0, 0.5, 1.0):
        parts.append(f"<text x='{left - 4}' y='{10 + (1 - v) * plot_h + 4:.1f}' text-anchor='end' "
                     f"font-size='10'>{v:.1f}</text>")
    for t in (t_low, t_high):
        parts.append(f"<text x='{left + (t - t_low) / span * plot_w:.1f}' y='{height - 8}' "
                     f"text-anchor='middle' font-size='10'>{t:.2f}</text>")
    for column, color in (("precision", "#1565c0"), ("recall", "#ef6c00")):
        points = [xy(float(t), float(v)) for t, v in zip(ts, curve[column], strict=True)
                  if not math.isnan(float(v))]
        if points:
            parts.append(f"<polyline class='crm-curve-{column}' points='{' '.join(points)}' fill='none' "
                         f"stroke='{color}' stroke-width='2'/>")
    if t_low <= threshold <= t_high:
        x = left + (threshold - t_low) / span * plot_w
        parts.append(f"<line x1='{x:.1f}' y1='10' x2='{x:.1f}' y2='{10 + plot_h}' stroke='#444' "
                     f"stroke-dasharray='4 3'/>")
    parts.append(f"<text x='{left}' y='{height + 10}' font-size='11'><tspan fill='#1565c0'>precision</tspan> "
                 f"and <tspan fill='#ef6c00'>recall</tspan> by threshold; dashed: this scan's "
                 f"{threshold:.2f}</text></svg>")
    return "".join(parts)


def quality_html(curve: pd.DataFrame, threshold: float) -> str:
    """The threshold chart with a line saying what it rests on, or why there is none yet."""
    reviewed = int(curve["reviewed"].max()) if len(curve) else 0
    if reviewed == 0:
        return ("<i>Precision and recall by threshold appear here once you have merged a group or "
                "marked one as not a duplicate.</i>")
    dups = int(curve["duplicates"].max())
    return (f"<b>Threshold</b> (from {reviewed} reviewed pair(s), {dups} duplicate(s))<br>"
            + threshold_svg(curve, threshold))
