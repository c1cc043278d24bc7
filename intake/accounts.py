"""The account behind an address a sender has just proven: the one holding it verified, or a new one.

- An account on which this address is *verified* (allauth's EmailAddress) is the sender's: the paper
  is linked to it. There is at most one (allauth's unique_verified_email constraint).
- Otherwise a new account is created: the address verified and primary, no usable password. Its
  owner signs in by setting a password through /accounts/password/reset/ with that address (allauth
  prefers the account with the verified address for sign-in and resets).
- An account that lists the address *unverified* is never linked: anyone can type someone else's
  address at sign-up, and linking would hand them the paper. That account keeps its unverified
  entry; the new account, holding the address verified, is the one the address signs in to.
"""
from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction


def account_with_verified_address(email: str):
    found = EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).select_related("user").first()
    return found.user if found else None


def account_for_address(*, email: str, name: str = ""):
    """The account owning ``email`` (proven by the caller), created without a password when there is none."""
    email = email.strip().lower()
    user = account_with_verified_address(email)
    if user is not None:
        return user
    first, _, last = name.strip().rpartition(" ") if " " in name.strip() else (name.strip(), "", "")
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(email=email, first_name=first[:150], last_name=last[:150])
            user.username = generate_unique_username([first, last, email, "author"])
            user.set_unusable_password()
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    except IntegrityError:  # another process verified the address on an account meanwhile: use that one
        user = account_with_verified_address(email)
        if user is None:
            raise
    return user
