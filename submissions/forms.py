"""Forms of the author pages. They only validate input; the rules live in services and deadlines."""
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from program.models import Edition, Topic

from . import signals


class PaperForm(forms.Form):
    title = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    abstract = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}),
                               help_text="Required to submit; a draft may leave it empty.")
    topics = forms.ModelMultipleChoiceField(queryset=Topic.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    conflicts = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Conflicts of interest with reviewers",
        help_text="Tick every reviewer who should not review this paper (colleagues, advisors, collaborators).",
    )
    pdf = forms.FileField(
        required=False, label="PDF",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, edition: Edition, has_pdf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(cfp__edition=edition).order_by("order")
        candidates = signals.first_answer(signals.conflict_candidates, edition=edition)
        if candidates is None:
            del self.fields["conflicts"]
        else:
            self.fields["conflicts"].queryset = candidates
        cfp = getattr(edition, "cfp", None)
        limit = cfp.page_limit if cfp else 2
        max_mb = settings.PDF_MAX_BYTES / (1024 * 1024)  # the same MB as the PDF check's messages
        self.fields["pdf"].help_text = (
            f"At most {limit} page{'s' if limit != 1 else ''}, A4 or US Letter, at most {max_mb:.0f} MB, "
            "no password. " + ("Choose a file only to replace the current PDF." if has_pdf else
                               "Required to submit; a draft may be saved without it.")
        )
        self.fields["pdf"].widget = forms.FileInput(attrs={"accept": "application/pdf,.pdf"})


class AuthorForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    affiliation = forms.CharField(max_length=300, required=False)

    def clean(self):
        data = super().clean()
        name, email = data.get("name", "").strip(), data.get("email", "")
        if (name or data.get("affiliation")) and not email and "email" not in self.errors:
            self.add_error("email", "Each author needs an email address.")
        if email and not name:
            self.add_error("name", "Each author needs a name.")
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any((data.get(k) or "").strip() for k in ("name", "email", "affiliation"))


class BaseAuthorFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        emails = [f.cleaned_data["email"].lower() for f in self.forms if not f.is_blank]
        if len(emails) != len(set(emails)):
            raise ValidationError("An email address is listed twice among the authors.")
        if not emails:
            raise ValidationError("List at least one author (you, if you wrote the paper alone).")




def author_formset(*, data=None, initial=None, blank_rows: int = 3) -> forms.BaseFormSet:
    """Authors in order, with a few blank rows to add more without JavaScript."""
    initial = list(initial or [])
    formset_class = forms.formset_factory(
        AuthorForm, formset=BaseAuthorFormSet, extra=blank_rows, max_num=settings.MAX_AUTHORS_PER_PAPER,
        validate_max=True, absolute_max=settings.MAX_AUTHORS_PER_PAPER,
    )
    return formset_class(data=data, initial=initial, prefix="authors")


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label="Reason (optional, shared with the organizers)")
    confirm = forms.BooleanField(required=True, label="Yes, withdraw this paper. All authors will be told.")
