"""Extra sign-up field: the name authors are listed under (prefills Author 1 on the paper form)."""
from django import forms


class SignupForm(forms.Form):
    name = forms.CharField(max_length=150, label="Your name", help_text="As it should appear on papers.",
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))

    def signup(self, request, user):
        first, _, last = self.cleaned_data["name"].strip().partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        user.save(update_fields=["first_name", "last_name"])
