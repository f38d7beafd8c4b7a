"""Chat routes: the console under /chat/, the customer's side under /portal/chat/ (see
tierdesk/urls.py), the embeddable widget under /chat/widget/."""

from django.urls import path

from tierdesk.chat import views, widget

app_name = "chat"

urlpatterns = [
    path("", views.console, name="console"),
    path("waiting/", views.waiting, name="waiting"),
    path("presence/", views.presence, name="presence"),
    path("<int:chat_id>/", views.console, name="chat"),
    path("<int:chat_id>/accept/", views.accept, name="accept"),
    path("<int:chat_id>/messages/", views.post_message, name="message"),
    path("<int:chat_id>/files/", views.upload, name="upload"),
    path("<int:chat_id>/files/<int:file_id>/", views.download, name="file"),
    path("<int:chat_id>/end/", views.end, name="end"),
    path("<int:chat_id>/draft/", views.draft, name="draft"),
    path("<int:chat_id>/ticket/", views.to_ticket, name="ticket"),
    path("<int:chat_id>/invite/", views.invite, name="invite"),
    path("portal/", views.customer_home, name="customer-home"),
    path("portal/start/", views.customer_start, name="customer-start"),
    path("portal/<int:chat_id>/", views.customer_chat, name="customer-chat"),
    path("widget/<int:org_id>/", widget.widget_page, name="widget"),
    path("widget/<int:org_id>/brand.css", widget.widget_brand, name="widget-brand"),
    path("widget/<int:org_id>/session/", widget.widget_session, name="widget-session"),
    path("widget/api/start/", widget.widget_start, name="widget-start"),
    path("widget/api/<int:chat_id>/files/", widget.widget_upload, name="widget-upload"),
]
