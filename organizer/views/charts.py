"""Small server-rendered SVG bar charts: no JavaScript, nothing inline that a strict CSP would block."""
from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def bar_chart(points: list[tuple[str, int]], *, title: str, height: int = 140, bar_width: int = 36) -> BarChart:
    top = max((v for _, v in points), default=0) or 1
    plot = height - 40
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot * value / top
        bars.append(Bar(label=label, value=value, x=10 + i * (bar_width + 8), y=20 + plot - h,
                        width=bar_width, height=h))
    return BarChart(title=title, bars=bars, width=max(20 + len(points) * (bar_width + 8), 200), height=height,
                    baseline=20 + plot)
