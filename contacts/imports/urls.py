from django.urls import path

from contacts.imports import views

urlpatterns = [
    path("", views.upload, name="contacts-import"),
    path("export.csv", views.export_csv, name="contacts-export"),
    path("<int:pk>/", views.job_page, name="contacts-import-job"),
    path("<int:pk>/confirm/", views.confirm, name="contacts-import-confirm"),
    path("<int:pk>/progress/", views.progress, name="contacts-import-progress"),
    path("<int:pk>/errors.csv", views.errors_csv, name="contacts-import-errors"),
]
