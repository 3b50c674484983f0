"""Views for tests/test_asgi_threads.py: they tell which thread served them."""

import threading
import time

from django.http import HttpResponse
from django.urls import path


def where(request):
    return HttpResponse(str(threading.get_ident()))


def slow(request):
    time.sleep(float(request.GET.get("s", "0.4")))
    return HttpResponse(str(threading.get_ident()))


urlpatterns = [path("where/", where), path("slow/", slow)]
