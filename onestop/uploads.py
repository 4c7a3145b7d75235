"""The size limit on file uploads (data samples, ONNX models), enforced while the body
streams in: a file over the limit stops being stored at the limit, so it never fills the disk
or reaches a parser."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

# Room for the multipart form around the file (boundaries, headers, small fields): a body up to
# the file limit plus this much is read, and the file itself is then held to the limit. A body
# beyond that is refused before it is read (see onestop.bodylimits).
MULTIPART_ALLOWANCE = 64 * 1024


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams to a temporary file like Django's own handler, and gives up at the limit.
    `too_large` tells the view why the file is missing."""

    def __init__(self, request=None, limit=None):
        super().__init__(request)
        self.limit = settings.ONESTOP_MAX_UPLOAD_BYTES if limit is None else limit
        self.received = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The declared length already says the body is too big: refuse before reading it.
        if content_length and content_length > self.limit + MULTIPART_ALLOWANCE:
            self.too_large = True
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs):
        if self.too_large:
            raise StopUpload(connection_reset=False)
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def limit_uploads(request, limit=None):
    """Install the handler; must run before anything reads request.POST or request.FILES."""
    handler = SizeLimitedUploadHandler(request, limit)
    request.upload_handlers = [handler]
    return handler
