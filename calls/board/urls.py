from django.urls import path

from calls.board import views

urlpatterns = [
    path("", views.board_page, name="board"),
    path("live/", views.board_stream, name="board-live"),
    path("calls/<int:pk>/end/", views.end_call, name="board-end-call"),
]
