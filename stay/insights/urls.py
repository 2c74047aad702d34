from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.retention, name="retention"),
    path("segments/<slug:name>", views.segment, name="segment"),
    path("staffing", views.staffing, name="staffing"),
    path("<slug:figure>.csv", views.figure_csv, name="csv"),
]
