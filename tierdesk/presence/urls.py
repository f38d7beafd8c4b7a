from django.urls import path

from tierdesk.presence import views

urlpatterns = [path("<int:number>/", views.beat, name="presence-beat")]
