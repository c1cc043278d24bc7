"""Which paper a page is printed on: A4, US Letter, or something the call for papers did not ask for."""

from dataclasses import dataclass

# Width and height in points (1/72 inch), portrait.
PAPERS = {"A4": (595.276, 841.89), "US Letter": (612.0, 792.0)}
# About 1 mm: exporters round A4 to 595 × 842 pt or to millimetres, and that is still A4.
TOLERANCE_PT = 3.0


@dataclass(frozen=True)
class PageSize:
    """Pages that share one visible size (after crop box and rotation), in points, with the paper it matches."""

    width: float
    height: float
    paper: str | None
    pages: tuple[int, ...]


def paper_name(width: float, height: float) -> str | None:
    """The paper these dimensions match in either orientation: a landscape page is still on A4 or Letter paper."""
    short, long = sorted((width, height))
    for name, (paper_short, paper_long) in PAPERS.items():
        if abs(short - paper_short) <= TOLERANCE_PT and abs(long - paper_long) <= TOLERANCE_PT:
            return name
    return None


def group_page_sizes(sizes: list[list[float] | None]) -> tuple[list[PageSize], list[int]]:
    """Group page numbers by size (in order of first appearance); also return pages without a readable size."""
    groups: dict[tuple[float, float], list[int]] = {}
    unreadable = []
    for number, size in enumerate(sizes, start=1):
        if size is None:
            unreadable.append(number)
        else:
            groups.setdefault((round(size[0], 1), round(size[1], 1)), []).append(number)
    summary = [PageSize(w, h, paper_name(w, h), tuple(pages)) for (w, h), pages in groups.items()]
    return summary, unreadable
