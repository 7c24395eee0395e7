"""What a rescale of one chart changes on screen: the decision behind ``Blitter.redraw_axes``.

When a chart's limits move, the inside of its Axes changes, and so do the tick labels of each
axis that moved (and the tick marks between them and the Axes). The title, the axis labels
and the other axis' tick labels usually keep their pixels. ``rescale`` says which boxes are
painted over and drawn again (the region), which texts keep their pixels, and where the tick
labels now are; or None when the tick labels need more room (the figure is laid out again).
Fast drawing only: it uses matplotlib's internals (``mpl_private``)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text
from matplotlib.transforms import Bbox, BboxBase

from buzzline.charts.mpl_private import side_titles, ticks_in_view

Limits = tuple[tuple[float, float], tuple[float, float]]  # (xlim, ylim)
Strips = tuple[Bbox | None, Bbox | None]  # where the x and y axes' tick labels are drawn
Group = tuple[list[Text], Bbox | None]  # texts and the box they fill (None: each its own)


@dataclass
class Rescale:
    region: list[Bbox]  # painted over with the figure's colour and drawn again
    keep: list[Text]  # outside the region: they keep their pixels (not drawn again)
    strips: Strips  # where the tick labels are for the new limits


@dataclass
class AxisChange:
    """What one axis adds to a rescale: boxes to redraw, texts that may keep their pixels and
    where its tick labels are."""

    strip: Bbox | None
    region: list[Bbox] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def rescale(ax: Axes, was: Limits, strips: Strips, figure: BboxBase,
            renderer: RendererBase) -> Rescale | None:
    """The region a rescale of ``ax`` from limits ``was`` changes, the texts outside it, and
    the new strips; None when the tick labels need more room (more than the Axes and its tick
    labels would change)."""
    region = [ax.bbox.padded(2)]
    groups: list[Group] = [([t], None) for t in (ax.title, *side_titles(ax)) if t.get_text()]
    new_strips = []
    for axis, before, now, old, outer in zip(
            (ax.xaxis, ax.yaxis), was, (ax.get_xlim(), ax.get_ylim()), strips, ("y0", "x0"),
            strict=True):
        change = (still_axis(axis, old, ax.bbox, outer) if before == now
                  else moved_axis(axis, old, ax.bbox, outer, figure, renderer))
        if change is None:
            return None
        region += change.region
        groups += change.groups
        new_strips.append(change.strip)
    keep = texts_kept(shown(groups), region, renderer)
    return Rescale(region, keep, (new_strips[0], new_strips[1]))


def still_axis(axis: Axis, old: Bbox | None, axes: Bbox, outer: str) -> AxisChange:
    """An axis whose limits did not move: its labels keep their pixels; its tick marks (between
    its labels and the Axes) are drawn again with the Axes."""
    ticks = [t for tick in (*axis.majorTicks, *axis.minorTicks) for t in (tick.label1, tick.label2)]
    region = [] if old is None else [_between(old, axes, outer[0])]
    return AxisChange(old, region, [([axis.label], None), ([*ticks, axis.offsetText], old)])


def moved_axis(axis: Axis, old: Bbox | None, axes: Bbox, outer: str, figure: BboxBase,
               renderer: RendererBase) -> AxisChange | None:
    """An axis whose limits moved: its tick labels, old and new, and the tick marks up to the
    Axes are drawn again; its label too when the labels' outer edge moved (None: it cannot
    simply move)."""
    new = labels_box(axis, renderer)
    # the labels' boxes reach to the Axes' edge: the tick marks between move too
    # (a glyph may reach a little out of its text's box: "J")
    region = [_to_edge(b, axes, outer[0]).padded(2) for b in (old, new) if b is not None]
    shift = getattr(new, outer) - getattr(old, outer) if old and new else 0.0
    if abs(shift) <= 0.5 and (old is None) == (new is None):
        return AxisChange(new, region, [([axis.label], None)])
    if old is None or new is None:
        return None
    label = moved_label(axis, shift, outer, figure, renderer)
    return None if label is None else AxisChange(new, region + label)


def moved_label(axis: Axis, shift: float, outer: str, figure: BboxBase,
                renderer: RendererBase) -> list[Bbox] | None:
    """The axis label's box before and after it moves ``shift`` pixels with the tick labels'
    outer edge (None: it has no size, or it would leave the figure)."""
    label = axis.label.get_window_extent(renderer)
    if label.width == 0:
        return None
    moved = label.translated(*((shift, 0) if outer == "x0" else (0, shift)))
    return [label, moved] if _inside(moved, figure) else None


def shown(groups: Sequence[Group]) -> list[Group]:
    """The groups' texts that are visible and say something (groups left empty go)."""
    visible = [([t for t in texts if t.get_visible() and t.get_text()], box)
               for texts, box in groups]
    return [(texts, box) for texts, box in visible if texts]


def texts_kept(groups: Sequence[Group], region: list[Bbox],
               renderer: RendererBase) -> list[Text]:
    """The texts of ``groups`` that keep their pixels. Texts reaching into the region are
    painted over and drawn again, all of them: their boxes join ``region`` (in place)."""
    extents: list[tuple[list[Text], Bbox]] = []
    for texts, box in groups:  # a group (tick labels) reaching in: look at each label
        if box is None or (len(texts) > 1 and _overlaps(box, region)):
            extents += [([t], t.get_window_extent(renderer)) for t in texts]
        else:
            extents.append((texts, box))
    while reaching := [box for _, box in extents if _overlaps(box, region)]:
        region += [box.padded(1) for box in reaching]
        extents = [(texts, box) for texts, box in extents if not _overlaps(box, region)]
    return [t for texts, _ in extents for t in texts]


def labels_box(axis: Axis, renderer: RendererBase) -> Bbox | None:
    """Where ``axis``' tick labels (and its offset text, "1e6") are drawn for its limits now."""
    ticks = ticks_in_view(axis)  # the ticks in view, major and minor (as Axis.draw does)
    labels = [t for tick in ticks for t in (tick.label1, tick.label2)] + [axis.offsetText]
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
    return Bbox.union(boxes) if boxes else None


def _to_edge(box: Bbox, axes: Bbox, across: str) -> Bbox:
    """``box`` (tick labels beside ``axes``) grown across (``"x"`` or ``"y"``) to the Axes."""
    if across == "x":
        return Bbox.from_extents(min(box.x0, axes.x1), box.y0, max(box.x1, axes.x0), box.y1)
    return Bbox.from_extents(box.x0, min(box.y0, axes.y1), box.x1, max(box.y1, axes.y0))


def _between(box: Bbox, axes: Bbox, across: str) -> Bbox:
    """The band from ``box`` (tick labels beside ``axes``) to the Axes, as long as the Axes."""
    # a pixel short of the labels: painting a fractional edge touches the pixels beside it
    if across == "x":
        x0, x1 = (box.x1 + 1, axes.x0) if box.x1 <= axes.x0 else (axes.x1, box.x0 - 1)
        return Bbox.from_extents(x0, axes.y0, x1, axes.y1)
    y0, y1 = (box.y1 + 1, axes.y0) if box.y1 <= axes.y0 else (axes.y1, box.y0 - 1)
    return Bbox.from_extents(axes.x0, y0, axes.x1, y1)


def _inside(box: BboxBase, region: BboxBase) -> bool:
    return (region.x0 <= box.x0 and box.x1 <= region.x1 and region.y0 <= box.y0
            and box.y1 <= region.y1)


def _overlaps(box: Bbox, region: list[Bbox]) -> bool:
    return box.width > 0 and box.height > 0 and any(
        box.x0 < r.x1 and r.x0 < box.x1 and box.y0 < r.y1 and r.y0 < box.y1 for r in region)
