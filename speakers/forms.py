"""The presenter's own profile form: bio, affiliation, photo, consent to publish."""
from django import forms

from speakers.models import Person

MAX_PHOTO_BYTES = 2 * 1024 * 1024


class PresenterProfileForm(forms.ModelForm):
    affiliation = forms.CharField(max_length=300, required=False,
                                  help_text="As it should be printed next to your name on the program.")

    class Meta:
        model = Person
        fields = ["name", "bio", "homepage", "photo", "publish_consent"]
        labels = {"publish_consent": "I agree that my bio and photo are shown on the public program."}
        widgets = {"bio": forms.Textarea(attrs={"rows": 8}), "photo": forms.FileInput(attrs={"accept": "image/*"})}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
            raise forms.ValidationError("The photo is larger than 2 MB; please upload a smaller one.")
        return photo
