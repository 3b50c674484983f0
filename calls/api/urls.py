from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from calls.api import views

router = SimpleRouter()
router.register("pbx-accounts", views.PbxAccountViewSet)
router.register("projects", views.ProjectViewSet)
router.register("agents", views.AgentViewSet)
router.register("contacts", views.ContactViewSet)

urlpatterns = [
    path("v1/calls/", views.CallListCreate.as_view(), name="api-calls"),
    path("v1/calls/<int:pk>/", views.CallDetail.as_view(), name="api-call"),
    path("v1/calls/<int:pk>/hangup/", views.CallHangup.as_view(), name="api-call-hangup"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
