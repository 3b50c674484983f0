from django.urls import path

from calls.workday import views

urlpatterns = [
    path("availability/", views.set_availability, name="availability"),
    path("calls/<int:pk>/wrap-up/", views.wrap_up, name="call-wrap-up"),
]
