"""``POST /api/v1/endpoints/{name}/feedback``: the true labels of earlier requests, sent by the
caller's application with the endpoint's own key (not a partner key: the plant's system that
calls the model is the one that later learns what really happened)."""

import json

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from deployment.health import observe
from deployment.health.feedback import FeedbackError, feedback_record, read_items
from deployment.serving.handling import authorise
from onestop.api.errors import error_response


class FeedbackItem(serializers.Serializer):
    id = serializers.CharField(help_text="The id the inference request carried.")
    label = serializers.JSONField(help_text="The true label or value: text, a number or a bool.")


class FeedbackOutput(serializers.Serializer):
    recorded = serializers.IntegerField()


class EndpointFeedbackApi(APIView):
    authentication_classes = ()  # the endpoint's key, checked below as /v2 checks it
    permission_classes = (AllowAny,)

    @extend_schema(
        request=FeedbackItem(many=True),
        responses={200: FeedbackOutput},
        summary="Report true labels of earlier inference requests",
        description=(
            "Authenticate with the endpoint's key (Authorization: Bearer ep_…). Send one "
            '{"id", "label"} object or a list of up to 10,000. A request of several rows is '
            "labelled row by row as id#0, id#1, …. Unknown ids refuse the whole batch."
        ),
        examples=[OpenApiExample("one label", value={"id": "order-17", "label": 1})],
    )
    def post(self, request, name):
        endpoint, problem = authorise(request.headers.get("Authorization"), name, None)
        if problem:
            code = "unauthorised" if problem.status == 401 else "not_found"
            return error_response(code, problem_message(problem), problem.status)
        # The answers this process gave a moment ago are known before their labels.
        observe.flush(endpoint_id=endpoint.pk)
        try:
            recorded = feedback_record(endpoint=endpoint, items=read_items(request.data))
        except FeedbackError as exc:
            extra = {"unknown_ids": exc.unknown} if exc.unknown else {}
            return error_response("invalid_feedback", str(exc), exc.status, **extra)
        return Response({"recorded": recorded}, status=status.HTTP_200_OK)


def problem_message(reply):
    return json.loads(reply.payload)["error"]
