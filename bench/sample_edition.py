"""A generated edition for benchmarks: many talks, in the same data-file format as PeRSonAl 2020.

``edition_data(slug="bench-36", talks=36)`` returns what ``manage.py load_edition`` reads, so the
benchmark loads it through the same loader as the real edition. The text is made up but shaped like
the real thing (titles, abstracts of a hundred words, two or three presenters, chairs, a call with
topics, deadlines), so the page is about as heavy per talk as the real one.
"""
import datetime
import itertools

WORDS = (
    "recommendation embedding memory inference training datacenter accelerator sparse dense model "
    "latency throughput ranking retrieval personalization features tables hierarchy cache bandwidth "
    "quantization pipeline serving offline online causal bias evaluation dataset system hardware"
).split()

TALKS_PER_SESSION = 3


def _text(seed: int, words: int) -> str:
    cycle = itertools.islice(itertools.cycle(WORDS), seed * 7 % len(WORDS), None)
    chosen = [next(cycle) for _ in range(words)]
    sentences = [" ".join(chosen[i:i + 12]).capitalize() + "." for i in range(0, words, 12)]
    return " ".join(sentences)


def edition_data(*, slug: str = "bench-36", talks: int = 36, date: datetime.date = datetime.date(2021, 5, 28)) -> dict:
    people = [
        {"slug": f"{slug}-person-{n}", "name": f"Person {n} {WORDS[n % len(WORDS)].capitalize()}",
         "bio": _text(n, 60)}
        for n in range(1, talks * 2 + 1)
    ]
    sessions = []
    start = datetime.datetime.combine(date, datetime.time(9, 0))
    for s in range((talks + TALKS_PER_SESSION - 1) // TALKS_PER_SESSION):
        end = start + datetime.timedelta(minutes=45)
        first = s * TALKS_PER_SESSION
        session_talks = []
        for t in range(first, min(first + TALKS_PER_SESSION, talks)):
            presenters = [people[(t * 2 + k) % len(people)]["slug"] for k in range(1 + t % 3)]
            session_talks.append({
                "title": f"Talk {t + 1}: {_text(t, 9)[:-1]}",
                "kind": "research",
                "label": f"Research paper {t + 1}",
                "slot_minutes": 15,
                "abstract": _text(t + 3, 110),
                "presenters": [{"person": p, "affiliation": f"University {ord(p[-1]) % 9 + 1}"} for p in presenters],
            })
        sessions.append({
            "title": f"Session {s + 1}",
            "kind": "qa",
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "chairs": [{"person": people[(s * 5) % len(people)]["slug"]}],
            "talks": session_talks,
        })
        start = end
    return {
        "edition": {
            "slug": slug, "name": "Bench", "title": f"Bench edition with {talks} talks", "iteration": 9,
            "date": date, "time_zone": "America/New_York", "current": False,
            "welcome": _text(1, 30), "overview": _text(2, 60),
        },
        "people": people,
        "sessions": sessions,
        "call_for_participation": {
            "introduction": _text(4, 120), "invitation": _text(5, 30),
            "topics": [_text(n, 6)[:-1] for n in range(5)],
        },
        "important_dates": [
            {"kind": "submission_deadline", "label": "Paper submission deadline",
             "day": date - datetime.timedelta(days=21)},
            {"kind": "notification", "label": "Paper notification", "day": date - datetime.timedelta(days=14)},
            {"kind": "event", "label": "The event", "day": date, "at": "09:00"},
        ],
        "organizers": [p["slug"] for p in people[:4]],
    }
