from django.urls import path

from calls.stats import views

urlpatterns = [
    path("", views.statistics_page, name="stats"),
    path("export.csv", views.statistics_csv, name="stats-export"),
]
