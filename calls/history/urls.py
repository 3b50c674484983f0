from django.urls import path

from calls.history import views

urlpatterns = [
    path("", views.history, name="history"),
    path("export.csv", views.export_csv, name="history-export"),
    path("<int:pk>/", views.detail, name="history-detail"),
    path("<int:pk>/outcome/", views.save_outcome, name="history-outcome"),
    path("<int:pk>/recording/", views.recording, name="history-recording"),
]
