"""Settings: read from the environment, with embedded defaults that need no service.

Without any variable set, the site runs on SQLite, stores media on the local disk, writes mail to
files under ``var/mail`` and runs Celery on kombu's filesystem transport. Setting ``DATABASE_URL``,
``REDIS_URL``, the ``AWS_*`` / ``S3_*`` variables and ``EMAIL_URL`` switches the same code to
PostgreSQL, Redis, S3 and SMTP. ``SITE_PROFILE=production`` turns on the production hardening that
``manage.py check --deploy`` asks for. Every variable is listed in the README.

Django sees one settings module, ``personal_site.settings``; it is a package only to stay readable:
``base`` holds the site itself, ``apps`` the settings of the apps' own rules.
"""
from .apps import *  # noqa: F403, E402, I001 - the apps' settings build on the base
from .base import *  # noqa: F403
