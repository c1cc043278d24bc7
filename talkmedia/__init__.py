"""Speakers' pre-recorded videos, captions and final papers, and their publication on the program.

Upload: the browser sends a video in parts, straight to S3 through presigned part URLs (or, without S3,
to the application, which keeps the parts in local media); the server decides keys, part sizes and
limits, and resumes an interrupted upload from the parts already stored. After the upload a Celery
task verifies the file with ffprobe and converts it to H.264/AAC MP4 when needed. See docs/videos.md.
"""
