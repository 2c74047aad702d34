from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.retention, name="retention"),
    path("segments/<slug:name>", views.segment, name="segment"),
    path("staffing", views.staffing, name="staffing"),
    path("roster", views.roster_save, name="roster"),
    path("service", views.service_page, name="service"),
    path("scorecard", views.scorecard_page, name="scorecard"),
    path("<slug:figure>.csv", views.figure_csv, name="csv"),
]
