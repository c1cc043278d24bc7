"""Serve a private stored file to someone a view has already allowed to see it.

On the local disk the file is streamed as an attachment. On S3 the browser is redirected to a
short-lived presigned URL that asks S3 for the same attachment headers, so the web process never
carries the bytes.
"""
from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect


def private_file_response(field_file, *, filename: str, content_type: str, inline: bool = False):
    disposition = "inline" if inline else "attachment"
    if settings.USE_S3:
        url = field_file.storage.url(
            field_file.name,
            parameters={
                "ResponseContentDisposition": f'{disposition}; filename="{filename}"',
                "ResponseContentType": content_type,
            },
            expire=settings.AWS_QUERYSTRING_EXPIRE,
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(field_file.open("rb"), as_attachment=not inline, filename=filename,
                                content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
