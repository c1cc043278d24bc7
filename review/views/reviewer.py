"""Reviewer pages: my assignments, one paper with its review form, declare a conflict, accept an invitation."""
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from personal_site.private_files import private_file_response
from review.forms import ReviewForm
from review.models import Assignment, Conflict, Review, ReviewerInvitation
from review.rules import can_review_submission, reviewer_role, sees_author_names
from review.selectors import reviewer_assignments
from review.services.reviewers import conflict_declare, invitation_accept, invitation_problem, inviter_name
from review.services.reviews import review_save
from submissions.models import Submission
from submissions.services.errors import SubmissionError

from ..selectors import paper_file_name


@login_required
def my_reviews(request):
    assignments = list(reviewer_assignments(request.user))
    for a in assignments:
        a.show_authors = sees_author_names(request.user, a.submission)
    return render(request, "review/reviewer/list.html", {"assignments": assignments})


def _assignment(request, pk) -> Assignment:
    submission = get_object_or_404(Submission.objects.select_related("edition"), pk=pk)
    if not can_review_submission(request.user, submission):
        raise Http404("No such paper.")  # never confirm that an unassigned paper exists
    return Assignment.objects.select_related("submission__edition", "reviewer").get(
        submission=submission, reviewer__user=request.user)


def metadata_names_authors(submission, version) -> list[str]:
    """Author names that the PDF's own metadata gives away (double-blind warning)."""
    meta = f"{version.pdf_author} {version.pdf_title}".lower()
    found = []
    for author in submission.authors.all():
        parts = [p for p in re.split(r"\s+", author.name.lower()) if len(p) > 2]
        if parts and any(p in meta for p in parts):
            found.append(author.name)
    return found


@login_required
def paper(request, pk):
    assignment = _assignment(request, pk)
    submission = assignment.submission
    review = Review.objects.filter(assignment=assignment).first()
    released = bool(getattr(submission, "decision", None) and submission.decision.released_at)
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            review_save(assignment=assignment, user=request.user, **form.cleaned_data)
        except SubmissionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Review saved. You can change it until the decision is released.")
        return redirect("review:paper", pk=pk)
    version = submission.versions.order_by("-received_at", "-id").first()
    show_authors = sees_author_names(request.user, submission)
    leaks = metadata_names_authors(submission, version) if version and not show_authors else []
    return render(request, "review/reviewer/paper.html", {
        "submission": submission, "edition": submission.edition, "form": form, "review": review,
        "version": version, "show_authors": show_authors, "metadata_leaks": bool(leaks), "released": released,
    }, status=400 if request.method == "POST" else 200)


@login_required
def paper_pdf(request, pk):
    assignment = _assignment(request, pk)
    submission = assignment.submission
    version = submission.versions.order_by("-received_at", "-id").first()
    if version is None:
        raise Http404("No PDF.")
    return private_file_response(version.file, content_type="application/pdf",
                                 filename=paper_file_name(submission, anonymous=not sees_author_names(
                                     request.user, submission)))


@login_required
@require_POST
def declare_conflict(request, pk):
    assignment = _assignment(request, pk)
    conflict_declare(submission=assignment.submission, reviewer=assignment.reviewer,
                     declared_by=Conflict.DeclaredBy.REVIEWER)
    messages.success(request, f"Conflict declared: paper #{pk} is no longer assigned to you.")
    return redirect("review:mine")


def accept_invitation(request, token):
    """Open to everyone holding the link: signed out, it says what the invitation is and how to accept it."""
    invitation = (ReviewerInvitation.objects.select_related("edition", "invited_by").filter(token=token).first())
    if invitation is None:
        return render(request, "review/reviewer/invitation.html", {"unknown": True}, status=404)
    context = {"invitation": invitation, "edition": invitation.edition,
               "inviter": inviter_name(invitation),
               "already": reviewer_role(request.user, invitation.edition) is not None}
    if not context["already"]:
        context["problem"] = invitation_problem(invitation, user=request.user)
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.path)
    if request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except SubmissionError as error:
            messages.error(request, str(error))
            return render(request, "review/reviewer/invitation.html", context, status=403)
        messages.success(request, f"You are a reviewer of {invitation.edition.title}.")
        return redirect("review:mine")
    return render(request, "review/reviewer/invitation.html", context, status=410 if context.get("problem") else 200)
