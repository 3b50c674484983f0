"""REST API for people and CRMs: calls; and for admins: provisioning."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import roles
from calls.api.permissions import IsAdminRole, IsAgentOrSupervisor, requesting_agent
from calls.api.serializers import (
    LARGEST_ID,
    AgentSerializer,
    CallSerializer,
    ContactSerializer,
    PbxAccountSerializer,
    ProjectSerializer,
    StartCallSerializer,
)
from calls.models import Agent, Call, CallStatus, PbxAccount, Project
from calls.outbound.hangup import end_call_here, ender_role, hangup
from calls.outbound.refused import CallRefused
from calls.outbound.start import start_call
from contacts.models import Contact


class CheckedCursor(CursorPagination):
    """The cursor is the client's to forge: a position that does not read as the ordering
    field's value is refused as DRF refuses an unreadable cursor (404), never a 500."""

    def decode_cursor(self, request: Request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            if "\x00" in cursor.position or not self.readable(cursor.position):
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def readable(self, position: str) -> bool:
        raise NotImplementedError


class RecentFirst(CheckedCursor):
    ordering = ("-requested_at", "-id")
    page_size = 50

    def readable(self, position: str) -> bool:
        try:
            return parse_datetime(position) is not None
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            return False


class ById(CheckedCursor):
    ordering = ("id",)
    page_size = 100

    def readable(self, position: str) -> bool:
        digits = position.removeprefix("-")
        return digits.isascii() and digits.isdigit() and int(digits) <= LARGEST_ID


def visible_calls(user) -> QuerySet[Call]:
    calls = Call.objects.select_related("agent")
    if roles.is_supervisor(user):
        return calls
    return calls.filter(agent__user=user)


def _filter_calls(calls: QuerySet[Call], params) -> QuerySet[Call]:
    if value := params.get("status"):
        if value not in CallStatus.values:
            raise ValidationError(
                {
                    "status": _("Unknown status; use one of %(choices)s.")
                    % {"choices": ", ".join(CallStatus.values)}
                }
            )
        calls = calls.filter(status=value)
    if value := params.get("agent"):
        # isascii: "²" is a digit to str.isdigit(); the bound: ids are 64-bit in the database.
        if not (value.isascii() and value.isdigit()) or int(value) > LARGEST_ID:
            raise ValidationError({"agent": _("Give the agent's numeric id.")})
        calls = calls.filter(agent_id=int(value))
    for name, op in (("since", "gte"), ("until", "lte")):
        if value := params.get(name):
            calls = calls.filter(**_time_lookup(name, op, value))
    return calls


def _time_lookup(name: str, op: str, value: str) -> dict:
    """A bare date means the whole day ("until 2026-11-27" includes it); else a moment."""
    try:
        day = parse_date(value) if len(value) == 10 else None
        moment = None if day else parse_datetime(value)
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        day = moment = None
    if day:
        return {f"requested_at__date__{op}": day}
    if moment is None:
        raise ValidationError({name: _("Use a date (2026-11-27) or an ISO date-time.")})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return {f"requested_at__{op}": moment}


@extend_schema(tags=["calls"])
class CallListCreate(generics.ListAPIView):
    serializer_class = CallSerializer
    permission_classes = [IsAgentOrSupervisor]
    pagination_class = RecentFirst

    def get_queryset(self) -> QuerySet[Call]:
        return _filter_calls(visible_calls(self.request.user), self.request.query_params)

    @extend_schema(
        parameters=[
            OpenApiParameter("status"),
            OpenApiParameter("agent", int),
            OpenApiParameter("since"),
            OpenApiParameter("until"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=StartCallSerializer, responses={202: CallSerializer})
    def post(self, request: Request) -> Response:
        agent = requesting_agent(request)
        if agent is None:
            raise PermissionDenied(_("Only agents place calls: your user has no extension."))
        body = StartCallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contact = None
        if body.validated_data.get("contact"):
            contact = Contact.objects.filter(
                pk=body.validated_data["contact"], project=agent.project
            ).first()
            if contact is None:
                raise ValidationError({"contact": _("No such contact in your project.")})
        try:
            started = start_call(
                agent=agent,
                number=body.validated_data["number"],
                contact=contact,
                idempotency_key=request.headers.get("Idempotency-Key", "")[:128],
            )
        except CallRefused as exc:
            code = status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST
            return Response({"detail": exc.message, "code": exc.code}, status=code)
        code = status.HTTP_202_ACCEPTED if started.created else status.HTTP_200_OK
        return Response(CallSerializer(started.call).data, status=code)


@extend_schema(tags=["calls"])
class CallDetail(generics.RetrieveAPIView):
    serializer_class = CallSerializer
    permission_classes = [IsAgentOrSupervisor]

    def get_queryset(self) -> QuerySet[Call]:
        return visible_calls(self.request.user)


@extend_schema(tags=["calls"], request=None, responses={200: CallSerializer})
class CallHangup(APIView):
    permission_classes = [IsAgentOrSupervisor]

    def post(self, request: Request, pk: int) -> Response:
        call = (
            visible_calls(request.user).select_related("project__pbx_account").filter(pk=pk).first()
        )
        if call is None:
            raise NotFound(_("No such call."))
        try:
            call = hangup(call=call, by=request.user)
        except CallRefused as exc:
            return Response(
                {"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT
            )
        return Response(CallSerializer(call).data)


@extend_schema(
    tags=["calls"],
    request=None,
    responses={200: CallSerializer, 404: None},
    summary="End a call in pbxportal",
    description=(
        "For a call the PBX cannot hang up (While1) or did not report ending: ends it here "
        "at once, `completed` if it was answered, else `canceled` (`missed` for an inbound "
        "caller nobody answered), with `ended_by` saying who. The PBX is not asked to hang "
        "up; its late events still correct the times. Agents may end their own calls, "
        "supervisors and admins any call. Ending a call that has already ended changes "
        "nothing and answers 200 with the call as it is."
    ),
)
class CallEndHere(APIView):
    permission_classes = [IsAgentOrSupervisor]

    def post(self, request: Request, pk: int) -> Response:
        call = visible_calls(request.user).filter(pk=pk).first()
        if call is None:
            raise NotFound(_("No such call."))
        role = ender_role(request.user, call)
        if role is None:
            raise PermissionDenied(_("You may not end this call."))
        ended = end_call_here(call=call, by=request.user, role=role)
        return Response(CallSerializer(ended.call).data)


class ProvisioningViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAdminRole]
    pagination_class = ById
    http_method_names = ["get", "post", "patch", "head", "options"]


@extend_schema(tags=["provisioning"])
class PbxAccountViewSet(ProvisioningViewSet):
    serializer_class = PbxAccountSerializer
    queryset = PbxAccount.objects.all()


@extend_schema(tags=["provisioning"])
class ProjectViewSet(ProvisioningViewSet):
    serializer_class = ProjectSerializer
    queryset = Project.objects.select_related("pbx_account")


@extend_schema(tags=["provisioning"])
class AgentViewSet(ProvisioningViewSet):
    serializer_class = AgentSerializer
    queryset = Agent.objects.select_related("user")


@extend_schema(tags=["provisioning"])
class ContactViewSet(ProvisioningViewSet):
    serializer_class = ContactSerializer
    queryset = Contact.objects.prefetch_related("phones")
