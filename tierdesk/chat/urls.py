"""Chat routes, mounted at the root: the console under /chat/, the customer's side in the
portal under /portal/chat/, the embeddable widget under /chat/widget/."""

from django.urls import path

from tierdesk.chat import views, widget

app_name = "chat"

urlpatterns = [
    path("chat/", views.console, name="console"),
    path("chat/waiting/", views.waiting, name="waiting"),
    path("chat/presence/", views.presence, name="presence"),
    path("chat/<int:chat_id>/", views.console, name="chat"),
    path("chat/<int:chat_id>/accept/", views.accept, name="accept"),
    path("chat/<int:chat_id>/messages/", views.post_message, name="message"),
    path("chat/<int:chat_id>/files/", views.upload, name="upload"),
    path("chat/<int:chat_id>/files/<int:file_id>/", views.download, name="file"),
    path("chat/<int:chat_id>/end/", views.end, name="end"),
    path("chat/<int:chat_id>/draft/", views.draft, name="draft"),
    path("chat/<int:chat_id>/ticket/", views.to_ticket, name="ticket"),
    path("chat/<int:chat_id>/invite/", views.invite, name="invite"),
    path("chat/<int:chat_id>/articles/", views.send_article, name="send-article"),
    path("portal/chat/", views.customer_home, name="customer-home"),
    path("portal/chat/start/", views.customer_start, name="customer-start"),
    path("portal/chat/<int:chat_id>/", views.customer_chat, name="customer-chat"),
    path("chat/widget/<int:org_id>/", widget.widget_page, name="widget"),
    path("chat/widget/<int:org_id>/brand.css", widget.widget_brand, name="widget-brand"),
    path("chat/widget/<int:org_id>/session/", widget.widget_session, name="widget-session"),
    path("chat/widget/api/start/", widget.widget_start, name="widget-start"),
    path("chat/widget/api/<int:chat_id>/files/", widget.widget_upload, name="widget-upload"),
    path(
        "chat/widget/api/<int:chat_id>/files/<int:file_id>/",
        widget.widget_download,
        name="widget-file",
    ),
]
