from django.urls import path

from tierdesk.satisfaction import views

app_name = "satisfaction"

urlpatterns = [
    # staff, from the ticket page: reopen the conversation after a low rating
    path("reopen/<int:number>/", views.reopen, name="reopen"),
    path("<str:token>/", views.rate, name="rate"),
]
