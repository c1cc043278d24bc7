"""Reading messages with caps, and the header rules (no database): nesting, names, bodies, DMARC, subjects."""
import email.policy
from email.message import EmailMessage

import pytest

from intake.paper import title_from
from intake.parsing import NotAnEmail, clean_body, header_summary, parse_message
from intake.verification import dmarc_result

from .corpus import TWO_PAGES, message, raw

CAPS = {"max_parts": 50, "max_attachment_bytes": 1_000_000}


def parsed(msg) -> object:
    return parse_message(raw(msg) if isinstance(msg, EmailMessage) else msg, **CAPS)


def with_results(*values: str):
    return parsed(message(sender="Ann <ann@example.org>", headers=tuple(("Authentication-Results", v) for v in values)))


@pytest.mark.parametrize(("headers", "expected"), [
    (["mx.ours.org; dmarc=pass header.from=example.org"], "pass"),
    (["mx.ours.org 1; spf=pass smtp.mailfrom=x; dmarc=pass (p=reject (strict)) header.from=EXAMPLE.org"], "pass"),
    (["mx.ours.org; dmarc=fail header.from=example.org", "mx.ours.org; dmarc=pass header.from=example.org"], "fail"),
    (["mx.theirs.org; dmarc=pass header.from=example.org", "mx.ours.org; dmarc=none header.from=example.org"],
     "none"),
    (["mx.theirs.org; dmarc=pass header.from=example.org"], ""),
    (["mx.ours.org; dmarc=pass header.from=other.example"], "mismatch"),
    (["mx.ours.org; dmarc=pass"], "mismatch"),
    (["mx.ours.org; spf=pass smtp.mailfrom=example.org"], "none"),
    (["mx.ours.org.evil.example; dmarc=pass header.from=example.org"], ""),
])
def test_only_the_topmost_authentication_results_of_our_server_counts(headers, expected):
    assert dmarc_result(with_results(*headers), authserv_id="mx.ours.org") == expected


def test_no_authserv_id_trusts_nothing():
    assert dmarc_result(with_results("mx.ours.org; dmarc=pass header.from=example.org"), authserv_id="") == ""


def test_file_names_are_for_display_only():
    msg = message(sender="ann@example.org", attachments=(
        ("../../../etc/passwd\x00.pdf", TWO_PAGES, "application/pdf"),
        ("C:\\Users\\ann\\Étude ü.pdf", TWO_PAGES, "application/pdf"),
    ))
    names = [a.filename for a in parsed(msg).attachments]
    assert names == ["passwd.pdf", "Étude ü.pdf"]


def test_nesting_and_part_counts_are_capped():
    inner = EmailMessage()
    inner.set_content("deep")
    for _ in range(20):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    inner["From"] = "ann@example.org"
    assert parsed(inner.as_bytes(policy=email.policy.SMTP)).too_many_parts
    wide = message(sender="ann@example.org", attachments=tuple((f"{i}.txt", b"x", "text/plain") for i in range(60)))
    assert parsed(wide).too_many_parts


def test_an_oversized_attachment_is_measured_not_decoded():
    msg = message(sender="ann@example.org", attachments=(("big.pdf", b"%PDF-" + b"0" * 2_000_000, "application/pdf"),))
    [attachment] = parsed(msg).attachments
    assert attachment.data is None and attachment.size > 1_000_000 and attachment.looks_like_pdf


def test_html_only_bodies_and_replies_give_the_authors_own_words():
    msg = EmailMessage()
    msg["From"] = "ann@example.org"
    msg.set_content("<p>Abstract: we study <b>nets</b>.</p><script>alert(1)</script>", subtype="html")
    assert parsed(msg).body_text == "we study  nets ."
    assert clean_body("Hi,\n\nThe paper.\n\nOn Mon, 1 Jan 2024, Bob wrote:\n> old\n") == "Hi,\n\nThe paper."
    assert clean_body("Text\n-- \nAnn, Uni A") == "Text"


def test_bytes_that_are_no_email_are_recognized():
    for junk in (b"", b"   \n", b"\x00\x01\x02 binary", b"%PDF-1.4\n%%EOF\n", b"just a line of text\n"):
        with pytest.raises(NotAnEmail):
            parse_message(junk, **CAPS)
    assert header_summary(b"\xff\xfe garbage") == {"message_id": "", "from_address": "", "from_name": "",
                                                   "subject": ""}


def test_several_from_addresses_leave_no_sender_to_answer():
    msg = message(sender="ann@example.org, bob@example.org")
    assert parsed(msg).from_address == ""


@pytest.mark.parametrize(("subject", "pdf_title", "title"), [
    ("Sparse Embeddings", None, "Sparse Embeddings"),
    ("Re: Fwd: Sparse Embeddings", None, "Sparse Embeddings"),
    ("Re: [Practice edition] Not received: Sparse Embeddings", None, "Sparse Embeddings"),
    ("", "Title From PDF", "Title From PDF"),
    ("Re:", None, "Untitled paper"),
])
def test_the_title_comes_from_the_subject_else_the_pdf(subject, pdf_title, title):
    assert title_from(subject, pdf_title) == title
