"""Everything on the 2020 page we were given (tests/data/seed_page.txt) is on the pages we serve.

The seed is parsed here on its own terms, independently of program/editions/personal-2020.yaml:
comparing the pages with the data file would only prove that the pages show the data file, not that
the data file (and so the site) kept every talk, person, time and date of the original page.
Two known corrections are applied to the seed before comparing: the typo "Universtiy" (fixed to
"University" in our data) and the LaTeX "$10^{11}$" (shown as 10¹¹).
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import html

SEED = Path(__file__).resolve().parent.parent / "data" / "seed_page.txt"
SECTION_TITLES = ("Program", "Speaker Bios", "Call for Participation", "Important Dates", "Organizers")
BULLET = "•"


def normalise(text: str) -> str:
    """The seed's two known errors corrected, whitespace collapsed."""
    text = text.replace("Universtiy", "University").replace("$10^{11}$", "10¹¹")
    return " ".join(text.split())


def sentences(paragraph: str) -> list[str]:
    """Split prose into sentences, so that a paragraph the site splits in two still matches."""
    return [s for s in re.split(r"(?<=[.:])\s+(?=[A-Z])", normalise(paragraph)) if s]


@dataclass
class SeedTalk:
    title: str
    label: str = ""
    time: str = ""
    presenters: list[str] = field(default_factory=list)  # as they must read, e.g. "A and B (X)"
    names: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    abstract: str = ""


@dataclass
class SeedSession:
    title: str
    time: str = ""
    chairs: list[str] = field(default_factory=list)
    talks: list[SeedTalk] = field(default_factory=list)


@dataclass
class Seed:
    intro: list[str]
    sessions: list[SeedSession]
    bios: list[str]
    cfp_paragraphs: list[str]
    topics: list[str]
    dates: list[tuple[str, str]]
    organizers: list[str]


def split_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"intro": []}
    current = "intro"
    for line in text.splitlines():
        if line.strip() in SECTION_TITLES:
            current = line.strip()
            sections[current] = []
        elif line.strip():
            sections[current].append(line.rstrip())
    return sections


def bullet_items(lines: list[str]) -> list[str]:
    return [line.strip().removeprefix(BULLET).strip() for line in lines if line.strip().startswith(BULLET)]


def parse_people(value: str) -> tuple[list[str], str]:
    """``Carole-Jean Wu and Udit Gupta (FAIR/Harvard)`` -> (names, affiliation)."""
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", value.strip())
    names_part, affiliation = (match.group(1), match.group(2)) if match else (value, "")
    names = [n.strip() for n in re.split(r",\s*|\s+and\s+", names_part) if n.strip()]
    return names, affiliation


def parse_research_paper(label: str, value: str) -> SeedTalk:
    """``“Title” (Name/Affiliation, Name/Affiliation). [Video]``."""
    match = re.match(r"“(.+?)”\s*\((.+?)\)", value)
    assert match, value
    talk = SeedTalk(title=match.group(1), label=label)
    for part in match.group(2).split(", "):
        name, affiliation = part.split("/", 1)
        talk.names.append(name.strip())
        talk.affiliations.append(affiliation.strip())
        talk.presenters.append(f"{name.strip()} ({affiliation.strip()})")
    return talk


def parse_program(lines: list[str]) -> list[SeedSession]:
    sessions: list[SeedSession] = []
    for line in lines:
        if not line.startswith(" "):  # a heading: a session, which is a talk unless it is a Q&A session
            label, _, title = line.partition(": ") if ": " in line else ("", "", line)
            session = SeedSession(title=line)
            if "Q&A" not in line:
                session.talks.append(SeedTalk(title=title.strip(), label=label.strip()))
            sessions.append(session)
            continue
        key, _, value = line.strip().removeprefix(BULLET).strip().partition(": ")
        session = sessions[-1]
        if key == "Time":
            session.time = re.sub(r"\s*\(.*\)$", "", value).strip()
            for talk in session.talks:
                talk.time = session.time
        elif key in ("Presenter", "Presenters"):
            names, affiliation = parse_people(value)
            talk = session.talks[-1]
            talk.presenters.append(value.strip())
            talk.names += names
            talk.affiliations.append(affiliation)
        elif key == "Abstract":
            session.talks[-1].abstract = normalise(value)
        elif key == "Discussion chairs":
            session.chairs = [name.strip() for name in value.split(",")]
        elif key.startswith("Research paper"):
            paper = parse_research_paper(key, value)
            paper.time = session.time  # papers are discussed during their Q&A session
            session.talks.append(paper)
        else:
            raise AssertionError(f"unexpected line in the seed's program: {line!r}")
    return sessions


def parse_seed() -> Seed:
    sections = split_sections(SEED.read_text(encoding="utf-8"))
    cfp_lines = sections["Call for Participation"]
    dates = []
    for item in bullet_items(sections["Important Dates"]):
        label, _, day = item.partition(": ")
        dates.append((label, day))
    return Seed(
        intro=sections["intro"],
        sessions=parse_program(sections["Program"]),
        bios=[normalise(line) for line in sections["Speaker Bios"]],
        cfp_paragraphs=[line for line in cfp_lines if not line.strip().startswith(BULLET)],
        topics=bullet_items(cfp_lines),
        dates=dates,
        organizers=bullet_items(sections["Organizers"]),
    )


def text_of(element) -> str:
    return normalise(element.text_content())


@pytest.fixture(scope="module")
def seed() -> Seed:
    return parse_seed()


@pytest.fixture
def pages(client, personal_2020) -> dict:
    """The served pages (the current edition, as a visitor reaches it), parsed."""
    urls = {"program": "/", "speakers": "/speakers/", "call": "/call/", "organizers": "/organizers/"}
    parsed = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        parsed[name] = html.fromstring(response.content)
    return parsed


def main_of(tree) -> str:
    return text_of(tree.xpath("//main")[0])


def test_the_seed_parses_into_what_we_expect_to_check(seed):
    """Guard the parser itself: a silently empty list would make every other test pass."""
    assert len(seed.sessions) == 5
    assert sum(len(s.talks) for s in seed.sessions) == 7
    assert len(seed.sessions[-1].chairs) == 5
    assert len(seed.bios) == 4
    assert len(seed.topics) == 5
    assert len(seed.dates) == 4
    assert len(seed.organizers) == 4
    assert all(talk.time and talk.names for s in seed.sessions for talk in s.talks)


def test_welcome_and_overview(seed, pages):
    text = main_of(pages["program"])
    for line in seed.intro:
        for sentence in sentences(line):
            assert sentence in text


def schedule_item(tree, title: str):
    """The program's entry (a session) whose text contains ``title``."""
    matches = [li for li in tree.xpath('//ol[contains(@class, "schedule")]/li') if title in text_of(li)]
    assert len(matches) == 1, f"{title!r} should be in exactly one session, found {len(matches)}"
    return matches[0]


def talk_article(tree, title: str):
    matches = [a for a in tree.xpath('//article[contains(@class, "talk")]') if title in text_of(a)]
    assert len(matches) == 1, f"{title!r} should be exactly one talk, found {len(matches)}"
    return matches[0]


def test_every_session_is_on_the_program_with_its_time(seed, pages):
    for session in seed.sessions:
        title = session.talks[0].title if session.talks and "Q&A" not in session.title else session.title
        item = schedule_item(pages["program"], title)
        assert session.time in text_of(item), session.title


def test_every_talk_has_its_label_title_presenters_affiliations_and_abstract(seed, pages):
    for session in seed.sessions:
        for talk in session.talks:
            article = talk_article(pages["program"], talk.title)
            text = text_of(article)
            if talk.label:
                assert f"{talk.label}: {talk.title}" in text
            for printed in talk.presenters:
                assert printed in text, (talk.title, printed)
            for name in talk.names:
                assert name in text
            for affiliation in talk.affiliations:
                assert affiliation in text
            if talk.abstract:
                assert talk.abstract in text, talk.title
            assert talk.time in text_of(schedule_item(pages["program"], talk.title))


def test_research_papers_and_chairs_are_inside_the_qa_session(seed, pages):
    [qa] = [s for s in seed.sessions if "Q&A" in s.title]
    item = schedule_item(pages["program"], qa.title)
    text = text_of(item)
    for chair in qa.chairs:
        assert chair in text
    for paper in qa.talks:
        assert f"{paper.label}: {paper.title}" in text


def test_every_bio_is_on_the_speakers_page(seed, pages):
    text = main_of(pages["speakers"])
    for bio in seed.bios:
        assert bio in text


def test_every_presenter_and_chair_is_on_the_speakers_page(seed, pages):
    text = main_of(pages["speakers"])
    for session in seed.sessions:
        for name in session.chairs + [n for talk in session.talks for n in talk.names]:
            assert name in text


def test_the_call_for_participation(seed, pages):
    text = main_of(pages["call"])
    for paragraph in seed.cfp_paragraphs:
        for sentence in sentences(paragraph):
            assert sentence in text, sentence
    for topic in seed.topics:
        assert topic in [text_of(li) for li in pages["call"].xpath('//ul[@class="topics"]/li')]
    emails = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ".join(seed.cfp_paragraphs))
    assert emails
    for email in emails:
        assert pages["call"].xpath(f'//a[@href="mailto:{email}"]')


def test_every_important_date(seed, pages):
    rows = {text_of(row.xpath("./th")[0]): text_of(row.xpath("./td")[0]) for row in pages["call"].xpath("//tbody/tr")}
    for label, day in seed.dates:
        assert label in rows, label
        assert rows[label].startswith(day), (label, rows[label])


def test_every_organizer(seed, pages):
    names = [text_of(a) for a in pages["organizers"].xpath('//ul[@class="organizers"]//a')]
    assert names == seed.organizers


def affiliations_by_person(seed: Seed) -> dict[str, list[tuple[SeedTalk, str]]]:
    """Each presenter's (talk, affiliation as printed there), from the seed's own words."""
    found: dict[str, list[tuple[SeedTalk, str]]] = {}
    for session in seed.sessions:
        for talk in session.talks:
            for printed in talk.presenters:
                names, affiliation = parse_people(printed)
                for name in names:
                    found.setdefault(name, []).append((talk, affiliation))
    return found


def test_a_speaker_printed_with_two_affiliations_keeps_each_where_it_was_printed(seed, client, pages):
    """Udit Gupta is "FAIR/Harvard" for the introduction and "Harvard University and FAIR" for paper 2.

    Each place shows its own: the program and each talk's page the talk's affiliation, the speakers
    page each beside its role, never the two joined into a line the seed never printed.
    """
    twice = {name: places for name, places in affiliations_by_person(seed).items()
             if len({affiliation for _, affiliation in places}) > 1}
    assert set(twice) == {"Udit Gupta"}
    places = twice["Udit Gupta"]
    assert [affiliation for _, affiliation in places] == ["FAIR/Harvard", "Harvard University and FAIR"]

    [entry] = pages["speakers"].xpath('//article[@id="person-udit-gupta"]')
    roles = [text_of(li) for li in entry.xpath('.//ul[@class="roles"]/li')]
    for talk, affiliation in places:
        [role] = [r for r in roles if talk.title in r]
        assert role.endswith(f"(as {affiliation})"), role
        others = {a for _, a in places} - {affiliation}
        assert not any(other in role for other in others), role
    assert not entry.xpath('.//p[@class="affiliation"]')  # no single line for both
    assert " · ".join(a for _, a in places) not in text_of(entry)

    for talk, affiliation in places:
        article = talk_article(pages["program"], talk.title)
        assert f"Udit Gupta ({affiliation})" in text_of(article)
        href = article.xpath(".//h3/a/@href | .//h4/a/@href")[0]
        talk_page = html.fromstring(client.get(href).content)
        presenters = text_of(talk_page.xpath('//section[@aria-labelledby="presenters-heading"]')[0])
        assert f"Udit Gupta ({affiliation})" in presenters
        assert not any(other in presenters for other in {a for _, a in places} - {affiliation})


def test_a_speaker_with_one_affiliation_has_it_once_under_the_name(pages):
    [entry] = pages["speakers"].xpath('//article[@id="person-yves-raimond"]')
    assert [text_of(p) for p in entry.xpath('.//p[@class="affiliation"]')] == ["Netflix"]
    assert "(as Netflix)" not in text_of(entry)
