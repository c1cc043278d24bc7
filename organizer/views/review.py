"""The organizer area for review: submissions table, charts, CSV and zip, one paper, reviewers, decisions."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from program.deadlines import SUBMISSION, edition_deadline
from program.models import Edition
from review import selectors
from review.forms import (
    AssignForm,
    BulkAssignForm,
    DecisionForm,
    DecisionTemplateForm,
    InviteReviewerForm,
)
from review.models import Decision, Review
from review.services import decisions as decision_services
from review.services.reviewers import assignments_bulk, reviewer_invite
from submissions.models import Submission
from submissions.services.errors import SubmissionError

from . import charts, downloads
from .access import organizer_required


@organizer_required
def editions(request):
    return render(request, "organizer/editions.html", {"editions": Edition.objects.order_by("-date")})


@organizer_required
def submission_table(request, edition):
    status, decision, query = (request.GET.get(k, "").strip() for k in ("status", "decision", "q"))
    rows = selectors.organizer_submissions(edition, status=status, decision=decision, query=query)
    deadline = edition_deadline(edition, SUBMISSION)
    per_day = selectors.submissions_per_day(edition, deadline and deadline.moment)
    return render(request, "organizer/table.html", {
        "edition": edition, "rows": rows, "status": status, "decision": decision, "q": query,
        "statuses": Submission.Status.choices,
        "per_day_chart": charts.bar_chart(
            [(d.strftime("%b %-d"), n) for d, n in per_day], title="Submissions per day"),
        "score_chart": charts.bar_chart([(f"{s:+d}", n) for s, n in selectors.score_histogram(edition)],
                                        title="Review scores"),
    })


@organizer_required
def submissions_csv(request, edition):
    return downloads.submissions_csv(edition)


@organizer_required
def papers_zip(request, edition):
    return downloads.papers_zip(edition, anonymous=False)


@organizer_required
def paper(request, edition, pk):
    submission = get_object_or_404(
        Submission.objects.select_related("edition").prefetch_related("authors", "versions", "events__actor",
                                                                       "conflicts__reviewer"),
        pk=pk, edition=edition)
    assigning, deciding = "assign-submit" in request.POST, "decision-stage" in request.POST
    assign_form = AssignForm(request.POST if assigning else None, edition=edition, prefix="assign")
    decision = Decision.objects.filter(submission=submission).first()
    decision_form = DecisionForm(request.POST if deciding else None, prefix="decision",
                                 initial={"outcome": decision.outcome if decision else None,
                                          "program_order": decision.program_order if decision else 0})
    if assigning and assign_form.is_valid():
        _assign(request, submissions=[submission], reviewers=assign_form.cleaned_data["reviewers"])
        return redirect(request.path)
    if deciding and decision_form.is_valid():
        try:
            decision_services.decision_stage(submission=submission, outcome=decision_form.cleaned_data["outcome"],
                                             program_order=decision_form.cleaned_data["program_order"] or 0,
                                             by=request.user)
            messages.success(request, "Decision staged. It is released with the others from the Decisions page.")
        except SubmissionError as error:
            messages.error(request, str(error))
        return redirect(request.path)
    reviews = Review.objects.filter(assignment__submission=submission).select_related("assignment__reviewer")
    status = 400 if request.method == "POST" else 200
    return render(request, "organizer/paper.html", {
        "edition": edition, "submission": submission, "assign_form": assign_form, "decision_form": decision_form,
        "decision": decision, "reviews": reviews,
        "assignments": submission.assignments.select_related("reviewer", "review"),
        "mail_log": selectors.mail_log(submission),
    }, status=status)


def _assign(request, *, submissions, reviewers) -> None:
    made, already, skipped = assignments_bulk(submissions=submissions, reviewers=reviewers, by=request.user)
    pairs = "; ".join(f"{a.reviewer} is assigned to #{a.submission_id}" for a in made)
    messages.success(request, f"{len(made)} assignment(s) made." + (
        f" {pairs}. Each reviewer gets one mail listing their new papers." if made else ""))
    for assignment in already:
        messages.info(request, f"{assignment.reviewer} was already assigned to #{assignment.submission_id}; "
                               "no mail sent again.")
    for reason in skipped:
        messages.warning(request, reason)


@organizer_required
def reviewers(request, edition):
    inviting, bulk = "invite-submit" in request.POST, "bulk-submit" in request.POST
    invite_form = InviteReviewerForm(request.POST if inviting else None, prefix="invite")
    bulk_form = BulkAssignForm(request.POST if bulk else None, edition=edition, prefix="bulk")
    if inviting and invite_form.is_valid():
        invitation = reviewer_invite(edition=edition, by=request.user, **invite_form.cleaned_data)
        messages.success(request, f"An invitation is on its way to {invitation.email}.")
        return redirect(request.path)
    if bulk and bulk_form.is_valid():
        _assign(request, submissions=bulk_form.cleaned_data["submissions"],
                reviewers=bulk_form.cleaned_data["reviewers"])
        return redirect(request.path)
    return render(request, "organizer/reviewers.html", {
        "edition": edition, "reviewers": selectors.edition_reviewers(edition),
        "invitations": edition.reviewer_invitations.filter(accepted_at__isnull=True),
        "invite_form": invite_form, "bulk_form": bulk_form,
    }, status=400 if request.method == "POST" else 200)


@organizer_required
def decisions(request, edition):
    rows = Decision.objects.filter(submission__edition=edition).select_related("submission").order_by(
        "released_at", "program_order", "submission_id")
    return render(request, "organizer/decisions.html", {
        "edition": edition, "staged": [d for d in rows if not d.released_at],
        "released": [d for d in rows if d.released_at],
        "templates": [decision_services.template_for(edition, o) for o, _ in Decision.Outcome.choices],
    })


@organizer_required
def decision_preview(request, edition, pk):
    decision = get_object_or_404(Decision.objects.select_related("submission__edition"), submission_id=pk,
                                 submission__edition=edition)
    preview = decision_services.decision_preview(submission=decision.submission)
    return render(request, "organizer/preview.html", {"edition": edition, "decision": decision,
                                                              "preview": preview})


@organizer_required
def decisions_release(request, edition):
    """GET: what a release would send, and the button; POST: release (twice never sends twice)."""
    if request.method != "POST":
        return render(request, "organizer/release.html", {
            "edition": edition, "plan": decision_services.release_plan(edition=edition)})
    try:
        report = decision_services.decisions_release(edition=edition, by=request.user)
    except SubmissionError as error:
        messages.error(request, str(error))
        return redirect("organizer:decisions", edition=edition.slug)
    if report.released == 0 and report.mails_queued == 0:
        messages.info(request, f"Nothing new to release: every decision mail was already sent "
                               f"({report.already_sent} mail(s)).")
    else:
        messages.success(request, f"{report.released} decision(s) released; {report.mails_queued} mail(s) queued; "
                                  f"{report.already_sent} already sent before, not sent again.")
    return redirect("organizer:decisions", edition=edition.slug)


@organizer_required
def decision_template(request, edition, outcome):
    if outcome not in Decision.Outcome.values:
        return redirect("organizer:decisions", edition=edition.slug)
    template = decision_services.template_for(edition, outcome)
    form = DecisionTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Template saved. Preview each mail before releasing.")
        return redirect("organizer:decisions", edition=edition.slug)
    return render(request, "organizer/template.html", {
        "edition": edition, "form": form, "template": template,
        "placeholders": decision_services.PLACEHOLDERS,
    })
