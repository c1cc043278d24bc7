"""The upload services' refusals: each carries the HTTP status the upload API answers with and a
message shown to the speaker as it is."""
import contextlib
import logging

log = logging.getLogger(__name__)


class UploadError(Exception):
    """A request the upload services refuse; ``str(error)`` is shown to the speaker as it is."""

    status = 400

    def as_json(self) -> dict:
        return {"error": str(self)}


class UploadClosed(UploadError):
    status = 403


class StorageUnavailable(UploadError):
    status = 503


@contextlib.contextmanager
def storage_errors(doing: str):
    """An S3 error becomes an answer the speaker can act on (try again), and a log line for us."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        log.warning("videos: storage error while %s: %s", doing, error)
        raise StorageUnavailable(f"The storage did not answer as expected while {doing}; please try again in a "
                                 "moment (the parts already sent are kept).") from error


class PartsMissing(UploadError):
    """Completion asked for while parts are missing or differ: the browser sends these again."""

    status = 409

    def __init__(self, message: str, parts: list[int]):
        super().__init__(message)
        self.parts = parts

    def as_json(self) -> dict:
        return {"error": str(self), "missing": self.parts}
