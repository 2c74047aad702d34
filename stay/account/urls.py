from django.urls import path

from . import views

app_name = "account"
urlpatterns = [
    path("<slug:store_slug>/", views.home, name="home"),
    path("<slug:store_slug>/sign-in", views.sign_in, name="sign_in"),
    path("<slug:store_slug>/code", views.code, name="code"),
    path("<slug:store_slug>/in/<str:token>", views.link, name="link"),
    path("<slug:store_slug>/redeem", views.redeem, name="redeem"),
    path("<slug:store_slug>/birthday", views.birthday, name="birthday"),
    path("<slug:store_slug>/my-data.json", views.data, name="data"),
    path("<slug:store_slug>/delete", views.delete, name="delete"),
    path("<slug:store_slug>/sign-out", views.sign_out, name="sign_out"),
]
