from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from calls import preferences
from calls.dialer import stream, views
from calls.events.caller_lookup import caller_lookup
from calls.events.webhooks import EventWebhook
from calls.maintenance.healthz import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("contacts/search/", views.contact_search, name="contact-search"),
    path("contacts/import/", include("contacts.imports.urls")),
    path("callbacks/", include("calls.callbacks.urls")),
    path("workday/", include("calls.workday.urls")),
    path("calls/start/", views.start_call, name="call-start"),
    path("calls/<int:pk>/hangup/", views.hangup_call, name="call-hangup"),
    path("calls/<int:pk>/end/", views.end_call_here, name="call-end-here"),
    path("calls/<int:pk>/contact/", views.create_caller_contact, name="call-contact"),
    path("live/agent/", stream.agent_stream, name="live-agent"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("preferences/language/", preferences.set_language, name="preferences-language"),
    path("hooks/<slug:vendor>/<str:token>/", EventWebhook.as_view(), name="event-webhook"),
    path("lookup/", caller_lookup, name="caller-lookup-query"),
    path("lookup/<str:token>/", caller_lookup, name="caller-lookup"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("admin/", admin.site.urls),
    path("api/", include("calls.api.urls")),
    path("stats/", include("calls.stats.urls")),
    path("board/", include("calls.board.urls")),
    path("history/", include("calls.history.urls")),
]
