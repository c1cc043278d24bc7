"""Forms of the organizer and reviewer pages."""
from django import forms

from review.models import Decision, DecisionTemplate, Review, Reviewer
from review.services.decisions import template_problems


class InviteReviewerForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField()


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(queryset=Reviewer.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = Reviewer.objects.filter(edition=edition)


class BulkAssignForm(AssignForm):
    submissions = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple,
                                                 label="Papers")

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, edition=edition, **kwargs)
        from submissions.models import Submission

        self.fields["submissions"].queryset = Submission.objects.filter(
            edition=edition, status=Submission.Status.SUBMITTED).order_by("pk")
        self.fields["submissions"].label_from_instance = lambda s: f"#{s.pk} {s.title}"


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    program_order = forms.IntegerField(min_value=0, required=False, initial=0,
                                       help_text="Position in the Q&A session if accepted (0: after the others).")


class DecisionTemplateForm(forms.ModelForm):
    class Meta:
        model = DecisionTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}

    def clean(self):
        data = super().clean()
        for field in ("subject", "body"):
            for problem in template_problems(data.get(field, "")):
                self.add_error(field, problem)
        return data


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["score", "confidence", "comments_for_authors", "comments_for_organizers"]
        widgets = {
            "score": forms.RadioSelect, "confidence": forms.RadioSelect,
            "comments_for_authors": forms.Textarea(attrs={"rows": 10}),
            "comments_for_organizers": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model fields have no default, so Django offers a blank "---------" choice; as a radio button it
        # is a seventh score that only ever answers "This field is required".
        self.fields["score"].choices = Review.SCORES
        self.fields["confidence"].choices = Review.CONFIDENCE
