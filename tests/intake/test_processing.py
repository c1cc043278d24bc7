"""The intake's services on the whole corpus and on every rule (no servers: the same code the worker runs).

Messages are stored as the pipe stores them (read_capped, inbound_store) and processed by calling the
service the task calls. The real IMAP server, pipe command, worker and SMTP server are in test_real_servers.py.
"""
import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from intake import processing
from intake.models import InboundMessage
from intake.processing import inbound_process
from intake.storing import inbound_store, read_capped
from intake.upkeep import inbound_reprocess, inbound_sweep
from outbox.models import OutboundMail
from program.models import ImportantDate
from submissions.models import DeadlineExtension, PaperVersion, Submission, SubmissionEvent
from tests.support.handoffs import record_handoffs

from .corpus import LATE, OTHER_TWO_PAGES, PAPERS, THREE_PAGES, TWO_PAGES, VICTIM, corpus, message, raw, reply_to

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def ingest(data: bytes, *, arrived: datetime.datetime | None = None, sender: str = "",
           recipient: str = "") -> InboundMessage:
    from django.conf import settings

    kept, size, sha256, truncated = read_capped(io.BytesIO(data), settings.INTAKE_MAX_MESSAGE_BYTES)
    inbound, _ = inbound_store(raw=kept, channel=InboundMessage.Channel.PIPE, received_at=arrived or timezone.now(),
                               size=size, sha256=sha256, truncated=truncated, envelope_sender=sender,
                               envelope_recipient=recipient)
    inbound_process(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    return inbound


def answers_to(address: str) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(recipient=address).order_by("pk"))


def deliver(mail: OutboundMail) -> OutboundMail:
    """As the outbox worker would: the mail went out (only then can its token be replied to)."""
    OutboundMail.objects.filter(pk=mail.pk).update(state=OutboundMail.State.SENT, sent_at=timezone.now())
    mail.refresh_from_db()
    return mail


def confirm_key(mail: OutboundMail) -> str:
    return mail.body.split("/submissions/email/confirm/")[1].split("/")[0]


@pytest.fixture
def victim(make_author):
    return make_author(VICTIM)


ITEMS = corpus()


@pytest.mark.parametrize("item", ITEMS, ids=[i.name for i in ITEMS])
def test_each_corpus_message_ends_in_its_state_with_its_one_answer(item, intake_editions, victim):
    if item.status == "duplicate":
        ingest(ITEMS[0].raw)
    inbound = ingest(item.raw, arrived=timezone.now() + item.arrived)
    assert inbound.status == item.status, inbound.error
    assert inbound.raw.read()[:200] == item.raw[:200]  # kept as it came
    mails = answers_to(item.sender) if item.sender else []
    if item.status == "duplicate":
        mails = mails[1:]  # the first copy's confirmation request
    if item.answer is None:
        assert mails == []
        assert inbound.error  # why nobody was answered, for organizers
    else:
        assert [m.kind for m in mails] == [item.answer]
        for phrase in item.says:
            assert phrase in mails[0].body + mails[0].subject, phrase
    if item.status == "accepted":
        paper = inbound.submission
        assert paper.status == Submission.Status.SUBMITTED and paper.versions.get().source == "email"
    else:
        assert inbound.submission is None
    assert Submission.objects.filter(contact__email=VICTIM).count() == 0  # a forged From never submits


def test_the_forged_from_keeps_the_paper_pending_and_asks_the_real_owner(intake_editions, victim):
    forged = next(i for i in ITEMS if i.name.startswith("forged From"))
    inbound = ingest(forged.raw)
    assert inbound.status == Status.PENDING and inbound.verified_by == ""
    assert "dmarc" in inbound.note.lower() and "fail" in inbound.note
    [mail] = answers_to(VICTIM)
    assert mail.kind == "intake-confirm" and "If you did not send this paper, ignore this mail" in mail.body
    assert Submission.objects.count() == 0


def test_dmarc_is_trusted_only_from_our_configured_server(intake_editions, settings):
    headers = (("Authentication-Results", "mx.personal.example.org; dmarc=pass header.from=example.org"),)
    settings.INTAKE_AUTHSERV_ID = ""  # our server is not configured: no header is trusted
    first = ingest(raw(message(sender="dana@example.org", headers=headers)))
    assert first.status == Status.PENDING
    settings.INTAKE_AUTHSERV_ID = "mx.other.example.org"
    second = ingest(raw(message(sender="dana@example.org", headers=headers, subject="Again")))
    assert second.status == Status.PENDING
    settings.INTAKE_AUTHSERV_ID = "mx.personal.example.org"
    other_domain = (("Authentication-Results", "mx.personal.example.org; dmarc=pass header.from=evil.example"),)
    third = ingest(raw(message(sender="dana@example.org", headers=other_domain, subject="Third")))
    assert third.status == Status.PENDING and "mismatch" in third.note
    fourth = ingest(raw(message(sender="dana@example.org", headers=headers, subject="Fourth")))
    assert fourth.status == Status.ACCEPTED and fourth.verified_by == "dmarc"


# --- confirming by link ------------------------------------------------------------------------------


def test_get_shows_the_paper_and_a_button_only_post_confirms(client, intake_editions):
    arrived = timezone.now() - datetime.timedelta(minutes=5)
    inbound = ingest(raw(message(sender="Ann Author <ann@example.org>")), arrived=arrived)
    [request] = answers_to("ann@example.org")
    url = reverse("intake:confirm", args=[confirm_key(request)])
    assert request.reply_to == PAPERS and url in request.body

    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confirm: I sent this paper" in text and 'method="post"' in text and "paper.pdf" in text
    inbound.refresh_from_db()
    assert inbound.status == Status.PENDING and Submission.objects.count() == 0  # a link scanner changes nothing

    done = client.post(url)
    assert done.status_code == 200
    paper = Submission.objects.get()
    assert f"paper #{paper.pk} is submitted" in done.content.decode()
    assert "/accounts/password/reset/" in done.content.decode()
    assert paper.status == Submission.Status.SUBMITTED and paper.title == "Sparse Embeddings at Scale"
    assert paper.abstract == "We study sparse embeddings at scale."
    assert paper.submitted_at == arrived and paper.events.get().at == arrived  # judged at arrival
    version = paper.versions.get()
    assert version.source == PaperVersion.Source.EMAIL and version.received_at == arrived
    assert version.file.read() == TWO_PAGES and "paper.pdf" not in version.file.name
    assert [(a.name, a.email) for a in paper.authors.all()] == [("Ann Author", "ann@example.org")]
    # The contact: a new account for the proven address, verified, without a usable password.
    account = paper.contact
    assert account.email == "ann@example.org" and not account.has_usable_password()
    assert EmailAddress.objects.get(user=account).verified
    inbound.refresh_from_db()
    assert inbound.status == Status.ACCEPTED and inbound.verified_by == "link" and inbound.submission == paper

    [receipt] = OutboundMail.objects.filter(kind="receipt")
    assert receipt.recipient == "ann@example.org" and receipt.reply_to == PAPERS
    assert "https://personal.example.org/accounts/password/reset/" in receipt.body
    assert f"https://personal.example.org/submissions/{paper.pk}/edit/" in receipt.body
    assert "reply to this mail with the new PDF" in receipt.body

    again = client.post(url)  # a second press: nothing new
    assert again.status_code == 409 and "confirmed already" in again.content.decode()
    assert Submission.objects.count() == 1 and OutboundMail.objects.filter(kind="receipt").count() == 1


def test_the_new_account_sets_its_password_through_the_reset_the_receipt_names(client, intake_editions, settings):
    ingest(raw(message(sender="ann@example.org")))
    client.post(reverse("intake:confirm", args=[confirm_key(answers_to("ann@example.org")[0])]))
    response = client.post(reverse("account_reset_password"), {"email": "ann@example.org"})
    assert response.status_code == 302
    reset = OutboundMail.objects.get(recipient="ann@example.org", kind__startswith="account-")
    link = reset.body.split(settings.SITE_URL)[1].split()[0]  # the site's address, not the request's host
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"password1": "a-long-new-pass-2026", "password2": "a-long-new-pass-2026"})
    assert done.status_code == 302
    paper = Submission.objects.get()
    assert client.login(username=paper.contact.username, password="a-long-new-pass-2026")
    assert client.get(reverse("submissions:edit", args=[paper.pk])).status_code == 200


def test_confirming_after_the_deadline_counts_the_arrival(client, intake_editions):
    edition, _closing = intake_editions
    arrived = timezone.now() - datetime.timedelta(hours=3)
    ingest(raw(message(sender="ann@example.org")), arrived=arrived)
    ImportantDate.objects.filter(edition=edition, kind=ImportantDate.Kind.SUBMISSION_DEADLINE).update(
        moment=timezone.now() - datetime.timedelta(hours=1))
    [request] = answers_to("ann@example.org")
    response = client.post(reverse("intake:confirm", args=[confirm_key(request)]))
    assert response.status_code == 200
    paper = Submission.objects.get()
    assert paper.status == Submission.Status.SUBMITTED and paper.submitted_at == arrived


def test_the_confirmation_links_the_account_that_holds_the_address_verified(client, intake_editions, make_author):
    ann = make_author("ann@example.org")
    ingest(raw(message(sender="ann@example.org")))
    client.post(reverse("intake:confirm", args=[confirm_key(answers_to("ann@example.org")[0])]))
    assert Submission.objects.get().contact == ann


def test_an_account_holding_the_address_unverified_is_never_linked(client, intake_editions, make_author):
    squatter = make_author("mallory@example.org")
    EmailAddress.objects.create(user=squatter, email="ann@example.org", verified=False, primary=False)
    ingest(raw(message(sender="ann@example.org")))
    client.post(reverse("intake:confirm", args=[confirm_key(answers_to("ann@example.org")[0])]))
    paper = Submission.objects.get()
    assert paper.contact != squatter and paper.contact.email == "ann@example.org"
    assert EmailAddress.objects.get(email="ann@example.org", verified=True).user == paper.contact


def test_an_unknown_or_expired_link_confirms_nothing(client, intake_editions):
    assert client.get(reverse("intake:confirm", args=["not-a-key"])).status_code == 404
    ingest(raw(message(sender="ann@example.org")))
    url = reverse("intake:confirm", args=[confirm_key(answers_to("ann@example.org")[0])])
    later = timezone.now() + datetime.timedelta(days=8)
    assert inbound_sweep(now=later)["expired"] == 1
    assert InboundMessage.objects.get().status == Status.EXPIRED
    response = client.post(url)
    assert response.status_code == 409 and "expired" in response.content.decode()
    assert Submission.objects.count() == 0


# --- replies carrying our token ------------------------------------------------------------------------


def test_a_reply_to_the_confirmation_request_confirms(intake_editions):
    ingest(raw(message(sender="ann@example.org")))
    request = deliver(answers_to("ann@example.org")[0])
    reply = ingest(reply_to(None, message_id=request.message_id, sender="Ann Author <ann@example.org>",
                            subject="Re: Please confirm your paper", attachments=()))
    paper = Submission.objects.get()
    assert reply.status == Status.ACCEPTED and reply.submission == paper and reply.verified_by == "reply"
    original = InboundMessage.objects.get(pk=reply.pk - 1)
    assert original.status == Status.ACCEPTED and original.verified_by == "reply"
    assert [m.kind for m in answers_to("ann@example.org")] == ["intake-confirm", "receipt"]  # no extra answer


def test_a_token_sent_to_another_address_proves_nothing(intake_editions):
    ingest(raw(message(sender="ann@example.org")))
    request = deliver(answers_to("ann@example.org")[0])
    reply = ingest(reply_to(None, message_id=request.message_id, sender="eve@example.org", subject="Re: confirm",
                            attachments=(("paper.pdf", TWO_PAGES, "application/pdf"),)))
    assert reply.status == Status.PENDING and reply.verified_by == ""
    assert Submission.objects.count() == 0


def test_a_reply_to_our_refusal_with_the_pdf_is_accepted_at_once(intake_editions):
    ingest(raw(message(sender="ann@example.org", attachments=())))
    refusal = deliver(answers_to("ann@example.org")[0])
    assert refusal.kind == "intake-refusal"
    reply = ingest(reply_to(None, message_id=refusal.message_id, sender="ann@example.org",
                            subject="Re: Not received: Sparse Embeddings at Scale",
                            attachments=(("paper.pdf", TWO_PAGES, "application/pdf"),)))
    assert reply.status == Status.ACCEPTED and reply.verified_by == "reply"
    assert reply.submission.title == "Sparse Embeddings at Scale"


@pytest.fixture
def emailed_paper(intake_editions, settings):
    """An emailed paper accepted through DMARC, its receipt delivered."""
    headers = (("Authentication-Results", "mx.personal.example.org; dmarc=pass header.from=example.org"),)
    inbound = ingest(raw(message(sender="Ann Author <ann@example.org>", headers=headers)))
    receipt = deliver(OutboundMail.objects.get(kind="receipt"))
    return inbound.submission, receipt


def test_a_reply_to_the_receipt_with_a_new_pdf_replaces_it(emailed_paper):
    paper, receipt = emailed_paper
    reply = ingest(reply_to(None, message_id=receipt.message_id, sender="ann@example.org",
                            subject=f"Re: {receipt.subject}",
                            attachments=(("paper-v2.pdf", OTHER_TWO_PAGES, "application/pdf"),)))
    assert reply.status == Status.ACCEPTED and reply.submission == paper
    latest = paper.versions.latest()
    assert latest.file.read() == OTHER_TWO_PAGES and latest.source == "email" and latest.original_name == "paper-v2.pdf"
    assert paper.versions.count() == 2
    assert paper.events.order_by("-pk").first().action == SubmissionEvent.Action.PDF_REPLACED
    assert OutboundMail.objects.filter(kind="receipt").count() == 2
    assert Submission.objects.count() == 1


def test_a_reply_to_the_receipt_is_refused_without_pdf_after_the_deadline_or_with_a_bad_pdf(emailed_paper):
    paper, receipt = emailed_paper
    no_pdf = ingest(reply_to(None, message_id=receipt.message_id, sender="ann@example.org", subject="Re: thanks"))
    assert no_pdf.status == Status.REFUSED and f"paper #{paper.pk} was not changed" in no_pdf.error
    too_long = ingest(reply_to(None, message_id=receipt.message_id, sender="ann@example.org", subject="Re: v3",
                               attachments=(("v3.pdf", THREE_PAGES, "application/pdf"),)))
    assert too_long.status == Status.REFUSED and "3 pages" in too_long.error
    ImportantDate.objects.filter(edition=paper.edition, kind=ImportantDate.Kind.SUBMISSION_DEADLINE).update(
        moment=timezone.now() - datetime.timedelta(minutes=1))
    late = ingest(reply_to(None, message_id=receipt.message_id, sender="ann@example.org", subject="Re: v4",
                           attachments=(("v4.pdf", OTHER_TWO_PAGES, "application/pdf"),)))
    assert late.status == Status.REFUSED and "Changes closed at the deadline" in late.error
    assert paper.versions.count() == 1
    kinds = [m.kind for m in answers_to("ann@example.org")]
    assert kinds == ["receipt", "intake-refusal", "intake-refusal", "intake-refusal"]


def test_only_an_author_can_replace_the_pdf(emailed_paper, make_author):
    paper, receipt = emailed_paper
    # Someone else who got a mail of ours about the paper (say, a forwarded receipt's token) is no author.
    stranger = OutboundMail.objects.create(kind="receipt", object_key=receipt.object_key, recipient="eve@example.org",
                                           subject="x", body="x", state=OutboundMail.State.SENT)
    reply = ingest(reply_to(None, message_id=stranger.message_id, sender="eve@example.org", subject="Re: x",
                            attachments=(("evil.pdf", OTHER_TWO_PAGES, "application/pdf"),)))
    assert reply.status == Status.REFUSED and "eve@example.org is not among them" in reply.error
    assert paper.versions.count() == 1


# --- deadlines, routing, duplicates, loops, throttling ------------------------------------------------


def test_the_arrival_time_decides_never_the_date_header(intake_editions):
    _edition, closing = intake_editions
    deadline = closing.important_dates.get(kind=ImportantDate.Kind.SUBMISSION_DEADLINE).moment
    old_date = raw(message(sender="ann@example.org", to=LATE, date=deadline - datetime.timedelta(days=3)))
    late = ingest(old_date, arrived=deadline + datetime.timedelta(seconds=1))
    assert late.status == Status.REFUSED and "Submissions closed at the deadline" in late.error
    on_time = ingest(raw(message(sender="bea@example.org", to=LATE, date=deadline + datetime.timedelta(days=3))),
                     arrived=deadline)  # the deadline second counts
    assert on_time.status == Status.PENDING and on_time.edition == closing


def test_an_extension_granted_later_lets_an_organizer_reprocess_a_refused_paper(intake_editions):
    _edition, closing = intake_editions
    refused = ingest(raw(message(sender="ann@example.org", to=LATE)))
    assert refused.status == Status.REFUSED
    DeadlineExtension.objects.create(edition=closing, author_email="ann@example.org",
                                     until=timezone.now() + datetime.timedelta(days=1))
    assert inbound_reprocess(inbound=refused)
    inbound_process(inbound_id=refused.pk)
    refused.refresh_from_db()
    assert refused.status == Status.PENDING and refused.reprocessed == 1
    assert [m.kind for m in answers_to("ann@example.org")] == ["intake-refusal", "intake-confirm"]  # a fresh answer
    assert not inbound_reprocess(inbound=refused)  # pending messages are not re-processed


def test_routing_by_address_else_the_one_open_call(intake_editions, personal_2020):
    edition, _closing = intake_editions
    cc = ingest(raw(message(sender="ann@example.org", to="someone@example.org, papers@personal.example.org")))
    assert cc.edition == edition
    envelope_first = ingest(raw(message(sender="eve@example.org", to=LATE, subject="Bcc")), recipient=PAPERS)
    assert envelope_first.edition == edition and envelope_first.status == Status.PENDING
    other = ingest(raw(message(sender="bea@example.org", to="info@personal.example.org", subject="Other")))
    assert other.edition == edition and other.status == Status.PENDING  # the one open call
    by_envelope = ingest(raw(message(sender="cy@example.org", to="undisclosed-recipients:;", subject="Env")),
                         recipient=LATE)
    assert by_envelope.status == Status.REFUSED and by_envelope.edition.slug == "closing"
    # A second open call makes an unaddressed message ambiguous: answered with both addresses.
    ImportantDate.objects.filter(edition=_closing, kind=ImportantDate.Kind.SUBMISSION_DEADLINE).update(
        moment=timezone.now() + datetime.timedelta(days=2))
    ambiguous = ingest(raw(message(sender="dee@example.org", to="info@personal.example.org", subject="Which?")))
    assert ambiguous.status == Status.REFUSED and PAPERS in ambiguous.error and LATE in ambiguous.error


def test_identical_bytes_are_stored_once_and_processed_once(intake_editions):
    data = raw(message(sender="ann@example.org"))
    first = ingest(data)
    second, created = inbound_store(raw=data, channel="imap", received_at=timezone.now())
    assert not created and second.pk == first.pk
    assert inbound_process(inbound_id=first.pk) == Status.PENDING  # already processed: nothing happens
    assert InboundMessage.objects.count() == 1 and OutboundMail.objects.count() == 1


def test_mail_loops_cannot_start(intake_editions, settings):
    ours = ingest(raw(message(sender=PAPERS, subject="Not received: x", attachments=())))
    assert ours.status == Status.IGNORED and "our own" in ours.error
    postmaster = ingest(raw(message(sender="postmaster@example.org", attachments=())))
    assert postmaster.status == Status.IGNORED
    null_sender = ingest(raw(message(sender="ann@example.org", subject="bounce via pipe", attachments=())),
                         sender="<>")
    assert null_sender.status == Status.IGNORED and "MAIL FROM:<>" in null_sender.error
    auto_no = ingest(raw(message(sender="ann@example.org", subject="human", headers=(("Auto-Submitted", "no"),),
                                 attachments=())))
    assert auto_no.status == Status.REFUSED  # Auto-Submitted: no is a person
    assert OutboundMail.objects.filter(recipient__in=[PAPERS, "postmaster@example.org"]).count() == 0

    settings.INTAKE_ANSWERS_PER_SENDER_PER_HOUR = 3
    for n in range(5):
        ingest(raw(message(sender="loop@example.org", subject=f"Loop {n}", attachments=())))
    states = [m.state for m in answers_to("loop@example.org")]
    assert states == ["queued"] * 3 + ["suppressed"] * 2
    assert "mail-loop guard" in answers_to("loop@example.org")[-1].last_error


def test_a_bounce_of_one_of_our_mails_marks_it_bounced(intake_editions):
    ingest(raw(message(sender="ann@example.org", attachments=())))
    refusal = deliver(answers_to("ann@example.org")[0])
    from .corpus import bounce

    inbound = ingest(bounce(original_message_id=refusal.message_id))
    assert inbound.status == Status.IGNORED
    refusal.refresh_from_db()
    assert refusal.state == OutboundMail.State.BOUNCED and f"#{inbound.pk}" in refusal.last_error


def test_caps_on_parts_and_attachment_size(intake_editions, settings):
    settings.INTAKE_MAX_PARTS = 4
    many = ingest(raw(message(sender="ann@example.org", attachments=tuple(
        (f"f{i}.txt", b"x", "application/octet-stream") for i in range(6)))))
    assert many.status == Status.REFUSED and "too many parts" in many.error
    settings.INTAKE_MAX_ATTACHMENT_BYTES = 500
    big = ingest(raw(message(sender="bea@example.org", subject="big")))
    assert big.status == Status.REFUSED and "Your attachment is" in big.error


# --- failures and the sweep ------------------------------------------------------------------------------


def test_a_crash_while_processing_leaves_the_message_for_the_sweep(intake_editions, monkeypatch, settings):
    data = raw(message(sender="ann@example.org"))
    inbound, _ = inbound_store(raw=data, channel="pipe", received_at=timezone.now())

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost its database")

    monkeypatch.setattr(processing, "_apply", crash)
    assert inbound_process(inbound_id=inbound.pk) == "error"
    inbound.refresh_from_db()
    assert inbound.status == Status.RECEIVED and "worker lost its database" in inbound.error
    assert OutboundMail.objects.count() == 0 and Submission.objects.count() == 0  # nothing half-done

    dispatched = record_handoffs(monkeypatch)["intake.process"]
    settings.INTAKE_RETRY_AFTER_SECONDS = 0
    assert inbound_sweep()["dispatched"] == 1 and dispatched == [inbound.pk]
    monkeypatch.undo()
    assert inbound_process(inbound_id=inbound.pk) == Status.PENDING

    stuck, _ = inbound_store(raw=raw(message(sender="bea@example.org")), channel="pipe", received_at=timezone.now())
    InboundMessage.objects.filter(pk=stuck.pk).update(attempts=settings.INTAKE_MAX_ATTEMPTS)
    settings.INTAKE_RETRY_AFTER_SECONDS = 0
    dispatched = record_handoffs(monkeypatch)["intake.process"]
    assert inbound_sweep()["failed"] == 1
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED and "Gave up" in stuck.error


def test_the_stored_row_carries_what_organizers_look_for(intake_editions):
    arrived = timezone.now() - datetime.timedelta(minutes=1)
    inbound = ingest(raw(message(sender="Zoë Ünal <zoe@example.org>", subject="Réseaux — 研究",
                                 attachments=(("../../etc/Étude ü.pdf", TWO_PAGES, "application/pdf"),))),
                     arrived=arrived)
    assert (inbound.from_address, inbound.from_name, inbound.subject) == ("zoe@example.org", "Zoë Ünal",
                                                                         "Réseaux — 研究")
    assert inbound.received_at == arrived and inbound.message_id.endswith("@mail.example.org>")
    assert inbound.pdf_name == "Étude ü.pdf" and inbound.pdf_pages == 2  # no directory, never a path
    assert inbound.raw.name.startswith("inbound/") and inbound.raw.name.endswith(".eml")
    assert "tud" not in inbound.raw.name
