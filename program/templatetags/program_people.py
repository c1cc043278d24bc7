"""People as the program prints them: "Carole-Jean Wu and Udit Gupta (FAIR/Harvard)".

Affiliations belong to an appearance, not to a person (the same person was "FAIR/Harvard" in one talk
and "Harvard University and FAIR" in another), so they are printed from the appearance rows, and
consecutive presenters sharing one are grouped the way the organizers wrote them.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from speakers.models import Appearance

register = template.Library()


@dataclass(frozen=True)
class AffiliationGroup:
    appearances: list[Appearance]
    affiliation: str


def affiliation_groups(appearances: Iterable[Appearance]) -> list[AffiliationGroup]:
    """Consecutive appearances with the same affiliation, in their given order."""
    groups: list[AffiliationGroup] = []
    for appearance in appearances:
        if groups and groups[-1].affiliation == appearance.affiliation:
            groups[-1].appearances.append(appearance)
        else:
            groups.append(AffiliationGroup(appearances=[appearance], affiliation=appearance.affiliation))
    return groups


def join_with_and(parts: Sequence[SafeString]) -> SafeString:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return mark_safe("".join(parts))  # the parts are already escaped
    return format_html("{} and {}", mark_safe(", ".join(parts[:-1])), parts[-1])


def person_link(appearance: Appearance) -> SafeString:
    person = appearance.person
    return format_html('<a href="{}">{}</a>', person.get_absolute_url(), person.name)


@register.simple_tag
def people_with_affiliations(appearances: Iterable[Appearance]) -> SafeString:
    """Linked names, grouped by shared affiliation: "A and B (X), C (Y)"."""
    rendered = []
    for group in affiliation_groups(appearances):
        names = join_with_and([person_link(a) for a in group.appearances])
        if group.affiliation:
            rendered.append(format_html('{} <span class="affiliation">({})</span>', names, group.affiliation))
        else:
            rendered.append(names)
    return format_html_join(", ", "{}", ((part,) for part in rendered))


@register.filter
def count_label(items: Sequence, labels: str) -> str:
    """``"Presenter,Presenters"`` → the singular for one item, the plural otherwise."""
    singular, plural = labels.split(",", 1)
    return singular if len(items) == 1 else plural
