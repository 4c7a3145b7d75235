"""Path converters for the partner API."""

from django.urls import register_converter


class RowId:
    """A row's id in a URL: at most 18 digits, so every value fits a 64-bit integer column. A
    longer number names no row and is a 404 like any other unknown id, where Django's ``int``
    would hand it to the database and fail with an overflow (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(RowId, "id")
