from django.contrib.auth import views as auth_views
from django.urls import path

from . import customers, returns, security, views

app_name = "console"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/fresh", views.inbox_fresh, name="inbox_fresh"),
    path("inbox/bulk", views.bulk, name="bulk"),
    path("inbox/mine/new", views.mine_new, name="mine_new"),
    path("inbox/views", views.view_save, name="view_save"),
    path("inbox/views/<int:view_id>/delete", views.view_delete, name="view_delete"),
    path("login", security.ConsoleLoginView.as_view(), name="login"),
    path("security", security.security, name="security"),
    path("logout", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path("c/<int:pk>", views.conversation, name="conversation"),
    path("c/<int:pk>/messages", views.messages_since, name="messages"),
    path("c/<int:pk>/presence", views.presence, name="presence"),
    path("c/<int:pk>/send", views.send, name="send"),
    path("c/<int:pk>/template", views.send_template, name="send_template"),
    path("c/<int:pk>/update", views.update, name="update"),
    path("c/<int:pk>/macros/<int:macro_id>", views.macro, name="macro"),
    path("c/<int:pk>/orders/<int:order_id>/act", views.act, name="act"),
    path("c/<int:pk>/orders/<int:order_id>/calls", views.calls, name="calls"),
    path("c/<int:pk>/calls/<int:call_id>/retry", views.call_retry, name="call_retry"),
    path("c/<int:pk>/credit", views.credit, name="credit"),
    path("c/<int:pk>/points", views.points, name="points"),
    path("c/<int:pk>/consent", views.consent, name="consent"),
    path("c/<int:pk>/restock", views.restock, name="restock"),
    path("c/<int:pk>/read-as", views.read_as, name="read_as"),
    path("files/<int:pk>", views.attachment, name="attachment"),
    path("customers/<int:pk>", customers.page, name="customer"),
    path("c/<int:pk>/orders/<int:order_id>/return", returns.start, name="return_start"),
    path("returns/", returns.listing, name="returns"),
    path("returns/receive", returns.receive, name="receive"),
    path("returns/<int:return_id>", returns.detail, name="return"),
    path("returns/<int:return_id>/act", returns.act, name="return_act"),
]
