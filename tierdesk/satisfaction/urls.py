from django.urls import path

from tierdesk.satisfaction import views

app_name = "satisfaction"

urlpatterns = [path("<str:token>/", views.rate, name="rate")]
