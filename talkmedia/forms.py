"""Forms of the talk media pages: they only take input; services check files and decide."""
from django import forms
from django.conf import settings


class CaptionsForm(forms.Form):
    captions = forms.FileField(
        label="Captions file (WebVTT)",
        widget=forms.FileInput(attrs={"accept": ".vtt,text/vtt"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["captions"].help_text = (
            f"A .vtt file starting with the line WEBVTT, at most {settings.VIDEO_CAPTIONS_MAX_BYTES // 1024} KB. "
            "A new file replaces the current captions."
        )

    def clean_captions(self):
        uploaded = self.cleaned_data["captions"]
        if uploaded.size > settings.VIDEO_CAPTIONS_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {uploaded.size // 1024} KB; the limit is {settings.VIDEO_CAPTIONS_MAX_BYTES // 1024} KB."
            )
        return uploaded


class FinalPaperForm(forms.Form):
    pdf = forms.FileField(label="Final paper (PDF)", widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args, page_limit: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdf"].help_text = (
            f"At most {page_limit} page{'s' if page_limit != 1 else ''}, A4 or US Letter, at most "
            f"{settings.PDF_MAX_BYTES / 1e6:.0f} MB, no password. A new file replaces the current one."
        )


class InviteForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
