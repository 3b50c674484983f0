from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from calls.api import views
from calls.api.availability import MyAvailability

router = SimpleRouter()
# Own names (api-contact-detail, ...): the router's default "contact-detail" is the name
# of the people's contact card, and reverse() would hand agents the API instead.
router.register("pbx-accounts", views.PbxAccountViewSet, basename="api-pbxaccount")
router.register("projects", views.ProjectViewSet, basename="api-project")
router.register("agents", views.AgentViewSet, basename="api-agent")
router.register("contacts", views.ContactViewSet, basename="api-contact")

urlpatterns = [
    path("v1/calls/", views.CallListCreate.as_view(), name="api-calls"),
    path("v1/calls/<int:pk>/", views.CallDetail.as_view(), name="api-call"),
    path("v1/calls/<int:pk>/hangup/", views.CallHangup.as_view(), name="api-call-hangup"),
    path("v1/calls/<int:pk>/end/", views.CallEndHere.as_view(), name="api-call-end"),
    path("v1/me/availability/", MyAvailability.as_view(), name="api-my-availability"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the page runs under the
    # Content-Security-Policy; only the inline <style> of drf-spectacular's page is allowed.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
