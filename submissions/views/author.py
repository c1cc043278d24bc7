"""Author pages: my papers, submit, see, edit or replace, withdraw, download. Thin: services decide."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from personal_site.identity import verified_emails
from program.deadlines import SUBMISSION, closed_message, is_open
from program.models import Edition
from submissions import signals
from submissions.extensions import deadline_for
from submissions.forms import PaperForm, WithdrawForm, author_formset
from submissions.lifecycle import paper_due_items, paper_status, with_status_words
from submissions.models import Submission
from submissions.rules import (
    DECIDED,
    can_change_submission,
    can_view_submission,
    can_withdraw_submission,
    is_author,
    why_not_withdrawable,
)
from submissions.selectors import editions_open_for_submission, receipts_of, submission_for_page, submissions_of
from submissions.services.authoring import (
    AuthorData,
    CheckedPdf,
    PaperDetails,
    submission_create,
    submission_update,
    submission_withdraw,
)
from submissions.services.errors import PdfRejected, SubmissionError
from submissions.services.papers import paper_check


def _arrived(request):
    return getattr(request, "arrived_at", None) or timezone.now()


def _details(form, formset) -> PaperDetails:
    authors = [
        AuthorData(name=f.cleaned_data["name"], email=f.cleaned_data["email"],
                   affiliation=f.cleaned_data["affiliation"])
        for f in formset.forms if not f.is_blank
    ]
    return PaperDetails(title=form.cleaned_data["title"], abstract=form.cleaned_data["abstract"], authors=authors,
                        topics=list(form.cleaned_data["topics"]),
                        conflicts=list(form.cleaned_data["conflicts"]) if "conflicts" in form.fields else None)


def _checked_pdf(form, submission_or_edition) -> CheckedPdf | None:
    """Run the one PDF check; a refusal becomes form errors, the typed details stay."""
    uploaded = form.cleaned_data.get("pdf")
    if not uploaded:
        return None
    probe = submission_or_edition
    if isinstance(probe, Edition):
        probe = Submission(edition=probe)
    try:
        data, result = paper_check(submission=probe, uploaded=uploaded)
    except PdfRejected as rejected:
        for error in rejected.errors:
            form.add_error("pdf", error)
        return None
    return CheckedPdf(data=data, result=result, original_name=uploaded.name)


@login_required
def my_submissions(request):
    return render(request, "submissions/mine.html", {
        "submissions": with_status_words(submissions_of(request.user)),
        "open_editions": editions_open_for_submission(at=_arrived(request)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def submission_new(request, edition):
    # The important dates come along: the deadline is read here, in submission_create and in the receipt.
    edition = get_object_or_404(Edition.objects.select_related("cfp").prefetch_related("important_dates"),
                                slug=edition)
    at = _arrived(request)
    deadline = deadline_for(edition, SUBMISSION, author_emails=(request.user.email,))
    if not is_open(deadline, at=at):
        return render(request, "submissions/closed.html", {
            "edition": edition, "deadline": deadline, "message": closed_message(deadline, "Submissions"),
        }, status=403)
    if request.method == "POST":
        form = PaperForm(request.POST, request.FILES, edition=edition)
        formset = author_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            pdf = _checked_pdf(form, edition)
            if not form.errors:
                try:
                    result = submission_create(edition=edition, user=request.user, details=_details(form, formset),
                                               pdf=pdf, submit="submit" in request.POST, at=at)
                except SubmissionError as error:
                    form.add_error(None, str(error))
                else:
                    _announce(request, result)
                    return redirect(result.submission)
    else:
        form = PaperForm(edition=edition)
        formset = author_formset(initial=[{"name": request.user.get_full_name(), "email": request.user.email}])
    return render(request, "submissions/form.html", {
        "edition": edition, "form": form, "formset": formset, "deadline": deadline, "submission": None,
        "now": timezone.now(),
    }, status=400 if request.method == "POST" else 200)


def _announce(request, result):
    if result.incomplete:
        messages.warning(request, result.incomplete)
    else:
        messages.success(request, f"{result.event.get_action_display()}. A receipt is on its way to every author.")


def _visible_submission(request, pk) -> Submission:
    try:
        submission = submission_for_page(pk)
    except Submission.DoesNotExist:
        raise Http404("No such paper.") from None
    if not can_view_submission(request.user, submission):
        raise Http404("No such paper.")  # never confirm that someone else's paper exists
    return submission


@login_required
def submission_detail(request, pk):
    submission = _visible_submission(request, pk)
    at = timezone.now()
    return render(request, "submissions/detail.html", {
        "submission": submission, "edition": submission.edition,
        "deadline": deadline_for(submission.edition, submission=submission),
        "status": paper_status(submission),
        "due_items": paper_due_items(submission, request.user),
        "can_change": can_change_submission(request.user, submission, at=at),
        "can_withdraw": can_withdraw_submission(request.user, submission),
        "receipts": receipts_of(submission,
                                recipient_emails=verified_emails(request.user) | {request.user.email.lower()}),
        "now": at,
    })


@login_required
@require_http_methods(["GET", "POST"])
def submission_edit(request, pk):
    submission = _visible_submission(request, pk)
    at = _arrived(request)
    deadline = deadline_for(submission.edition, submission=submission)
    if not can_change_submission(request.user, submission, at=at):
        if not is_author(request.user, submission):
            message = "Only the authors of this paper can change it."
        elif submission.is_withdrawn:
            message = "This paper was withdrawn; it can no longer be changed."
        elif paper_status(submission).is_decided:
            message = DECIDED
        else:
            message = closed_message(deadline, "Changes")
        return render(request, "submissions/closed.html", {
            "edition": submission.edition, "deadline": deadline, "message": message, "submission": submission,
        }, status=403)
    has_pdf = bool(submission.versions.all())
    if request.method == "POST":
        form = PaperForm(request.POST, request.FILES, edition=submission.edition, has_pdf=has_pdf)
        formset = author_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            pdf = _checked_pdf(form, submission)
            if not form.errors:
                try:
                    result = submission_update(submission=submission, user=request.user,
                                               details=_details(form, formset), pdf=pdf,
                                               submit="submit" in request.POST, at=at)
                except SubmissionError as error:
                    form.add_error(None, str(error))
                else:
                    _announce(request, result)
                    return redirect(submission)
    else:
        form = PaperForm(edition=submission.edition, has_pdf=has_pdf, initial={
            "title": submission.title, "abstract": submission.abstract, "topics": list(submission.topics.all()),
            "conflicts": signals.first_answer(signals.declared_conflicts, submission=submission) or [],
        })
        formset = author_formset(initial=[
            {"name": a.name, "email": a.email, "affiliation": a.affiliation} for a in submission.authors.all()
        ])
    return render(request, "submissions/form.html", {
        "edition": submission.edition, "form": form, "formset": formset, "deadline": deadline,
        "submission": submission, "now": timezone.now(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def submission_withdraw_view(request, pk):
    submission = _visible_submission(request, pk)
    if not can_withdraw_submission(request.user, submission):
        messages.info(request, why_not_withdrawable(request.user, submission))
        return redirect(submission)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission_withdraw(submission=submission, user=request.user, at=_arrived(request),
                                reason=form.cleaned_data["reason"])
        except SubmissionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The paper is withdrawn. Every author has been told.")
        return redirect(submission)
    resubmit_until = deadline_for(submission.edition, SUBMISSION, author_emails=(request.user.email,))
    return render(request, "submissions/withdraw.html", {
        "submission": submission, "edition": submission.edition, "form": form, "status": paper_status(submission),
        "can_resubmit": is_open(resubmit_until, at=_arrived(request)), "resubmit_until": resubmit_until,
    })
