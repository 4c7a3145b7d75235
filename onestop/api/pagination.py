from rest_framework.pagination import PageNumberPagination
from rest_framework.serializers import BaseSerializer


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def paginated_response(view, request, items, output):
    """The page of ``items`` the request asks for (``?page=``, ``?page_size=``) with the links
    to its neighbours. ``output`` is a serializer class, or a function from one item to its
    data."""
    paginator = Pagination()
    page = paginator.paginate_queryset(items, request, view=view)
    if isinstance(output, type) and issubclass(output, BaseSerializer):
        data = output(page, many=True).data
    else:
        data = [output(item) for item in page]
    return paginator.get_paginated_response(data)
