from django.urls import path

from . import views

app_name = "helpcentre"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:store_slug>/", views.home, name="home"),
    path("<slug:store_slug>/c/<slug:slug>/", views.category, name="category"),
    path("<slug:store_slug>/a/<slug:slug>/", views.article, name="article"),
    path("<slug:store_slug>/a/<slug:slug>/helpful", views.vote, name="vote"),
]
