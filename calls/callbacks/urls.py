from django.urls import path

from calls.callbacks import views

urlpatterns = [
    path("", views.callback_page, name="callbacks"),
    path("list/", views.callback_rows, name="callback-rows"),
    path("count/", views.callback_count, name="callback-count"),
    path("<int:pk>/dismiss/", views.dismiss_callback, name="callback-dismiss"),
    path("<int:pk>/schedule/", views.schedule_callback, name="callback-schedule"),
]
