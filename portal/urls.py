from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("hoc-sinh/<int:student_id>/", views.child, name="child"),
    path("tin-nhan/<int:message_id>/", views.message, name="message"),
    path("tin-nhan-lop/", views.messages_index, name="messages_index"),
    path("tin-nhan-lop/<int:class_id>/", views.class_messages, name="class_messages"),
]
