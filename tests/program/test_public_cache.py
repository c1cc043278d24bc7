"""The in-memory layer of public pages: filled from a rendering or from the shared cache, cleared on change."""
import pytest
from django.core.cache import caches

from personal_site import public_cache

pytestmark = pytest.mark.django_db


def test_a_page_read_from_the_shared_cache_is_kept_in_memory_too(client, personal_2020, monkeypatch):
    first = client.get("/2020/")
    assert first.status_code == 200
    public_cache.forget_public_pages()  # as in another process: memory empty, shared cache filled
    reads = []
    backend = caches["default"]
    original_get = backend.get
    monkeypatch.setattr(backend, "get", lambda key, *a, **k: reads.append(key) or original_get(key, *a, **k))
    second = client.get("/2020/")  # served from the shared cache, and kept in memory
    assert second.content == first.content
    assert any(key.startswith("page:") for key in reads)
    reads.clear()
    third = client.get("/2020/")  # served from memory, before the middleware stack
    assert third.content == first.content and not any(key.startswith("page:") for key in reads)
    for header in ("Content-Security-Policy", "Content-Type", "Cache-Control"):
        assert third[header] == first[header]


def test_a_change_to_the_program_empties_memory_at_once(client, personal_2020):
    from program.models import Talk

    assert "Time, Context and Causality" in client.get("/2020/").content.decode()
    talk = Talk.objects.get(title__startswith="Time, Context")
    talk.title = "Causality, Revisited"
    talk.save()
    page = client.get("/2020/").content.decode()
    assert "Causality, Revisited" in page and "Time, Context and Causality" not in page


def test_a_signed_in_visitor_gets_the_same_public_page_and_no_cookie(client, personal_2020, django_user_model):
    anonymous = client.get("/2020/")
    client.force_login(django_user_model.objects.create_user("a", "a@example.org", "x"))
    signed_in = client.get("/2020/")
    assert signed_in.content == anonymous.content and not signed_in.cookies
