from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:store_slug>/", views.portal, name="portal"),
    path("<slug:store_slug>/start", views.start, name="start"),
    path("<slug:store_slug>/r/<str:token>", views.status, name="status"),
    path("<slug:store_slug>/r/<str:token>/label.pdf", views.label, name="label"),
]
