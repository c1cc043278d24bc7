"""Top-level URLs. The program's catch-all edition routes come last."""
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path

from .accounts import account_home

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Site administration"



def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page says: send them to the SVG."""
    return HttpResponsePermanentRedirect(static_url("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/home/", account_home, name="account_home"),
    path("accounts/", include("allauth.urls")),
    path("submissions/", include("submissions.urls")),
    path("", include("intake.urls")),
    path("", include("organizer.urls")),
    path("", include("talkmedia.urls")),
    path("", include("review.urls")),
    path("", include("speakers.urls")),
    path("", include("program.urls")),
]

if settings.DEBUG and not settings.USE_S3:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
