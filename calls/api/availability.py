"""GET / PUT /api/v1/me/availability/: the calling agent's Ready / Paused, for a CRM or a
softphone that sets it with the agent's own token."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calls.api.permissions import requesting_agent
from calls.models import Agent, Availability, PauseReason
from calls.workday import availability


class AvailabilitySerializer(serializers.Serializer):
    availability = serializers.ChoiceField(choices=Availability.choices)
    pause_reason = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,  # a larger number would overflow the database's integer
        help_text="A pause reason's id (paused only).",
    )
    since = serializers.DateTimeField(read_only=True, allow_null=True)
    pause_reasons = serializers.ListField(read_only=True, child=serializers.DictField())


def _shown(agent: Agent) -> dict:
    agent = Agent.objects.select_related("pause_reason").get(pk=agent.pk)
    return {
        "availability": agent.availability,
        "pause_reason": agent.pause_reason_id,
        "since": agent.availability_since,
        "pause_reasons": [{"id": r.pk, "name": r.name} for r in availability.pause_reasons(agent)],
    }


class MyAvailability(APIView):
    def _agent(self, request: Request) -> Agent:
        agent = requesting_agent(request)
        if agent is None:
            raise NotFound(_("Only agents have an availability."))
        return agent

    @extend_schema(tags=["agents"], responses=AvailabilitySerializer, summary="My availability")
    def get(self, request: Request) -> Response:
        return Response(AvailabilitySerializer(_shown(self._agent(request))).data)

    @extend_schema(
        tags=["agents"],
        request=AvailabilitySerializer,
        responses=AvailabilitySerializer,
        summary="Set my availability",
        description="Ready, or paused (with a pause reason of the agent's project). "
        "A paused agent gets no screen-pops; every change is kept for the statistics.",
    )
    def put(self, request: Request) -> Response:
        agent = self._agent(request)
        given = AvailabilitySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        reason = None
        if given.validated_data.get("pause_reason") is not None:
            reason = PauseReason.objects.filter(pk=given.validated_data["pause_reason"]).first()
            if reason is None:
                raise ValidationError({"pause_reason": [_("No such pause reason.")]})
        try:
            availability.set_availability(
                agent=agent, availability=given.validated_data["availability"], reason=reason
            )
        except availability.AvailabilityRefused as exc:
            raise ValidationError({"pause_reason": [exc.message]}) from exc
        return Response(AvailabilitySerializer(_shown(agent)).data)
