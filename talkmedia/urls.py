"""URLs of talk media. Included by personal_site/urls.py before the program's catch-all edition routes.

The talk pages exist twice with the same views: under /videos/talks/<uid>/ for signed-in speakers and
organizers, and under /videos/invite/<token>/ for invited speakers holding a personal link.
"""
from django.urls import include, path

from .views import api, files, speaker

app_name = "videos"

talk_patterns = [
    path("", speaker.talk_page, name="talk"),
    path("captions/", speaker.captions_upload, name="captions"),
    path("paper/", speaker.final_paper_upload, name="paper"),
    path("uploads/", api.upload_start, name="upload-start"),
    path("uploads/<int:video_id>/", api.upload_status, name="upload-status"),
    path("uploads/<int:video_id>/sign/", api.upload_sign, name="upload-sign"),
    path("uploads/<int:video_id>/complete/", api.upload_complete, name="upload-complete"),
    path("uploads/<int:video_id>/abort/", api.upload_abort, name="upload-abort"),
    path("videos/<int:video_id>/watch", files.video_watch, name="video-watch"),
    path("papers/<int:paper_id>/paper.pdf", files.paper_file, name="paper-file"),
    path("captions/<int:captions_id>.vtt", files.captions_file, name="captions-file"),
]

urlpatterns = [
    path("videos/", speaker.my_talks, name="mine"),
    path("videos/talks/<uuid:uid>/", include((talk_patterns, "speaker"))),
    path("videos/invite/<str:token>/", include((talk_patterns, "invite"))),
    path("videos/parts/<str:token>", api.local_part, name="part"),
    # Stable public addresses, linked from the program and its exports once published.
    path("talks/<uuid:uid>/video", files.talk_video, name="talk-video"),
    path("talks/<uuid:uid>/paper", files.talk_paper, name="talk-paper"),
    path("talks/<uuid:uid>/captions.vtt", files.talk_captions, name="talk-captions"),
]
