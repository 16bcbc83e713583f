from django.urls import path

from . import views

app_name = "printing"

urlpatterns = [
    path("", views.index, name="index"),
    path("lop/<int:class_id>/", views.start_class_book, name="start_class_book"),
    path("ca-truong/", views.start_school_books, name="start_school_books"),
    path("giao-vien/<int:assignment_id>/", views.start_teacher_book, name="start_teacher_book"),
    path("viec/<int:job_id>/", views.job_page, name="job"),
    path("viec/<int:job_id>/trang-thai/", views.job_status, name="job_status"),
    path("viec/<int:job_id>/thu-lai/", views.job_retry, name="job_retry"),
    path("viec/<int:job_id>/tai-ve/", views.download, name="download"),
    path("so-theo-doi/<int:class_id>/<int:term_id>/", views.register_page, name="register"),
    path("so-theo-doi/<int:class_id>/<int:term_id>/ghi/", views.register_step, name="register_step"),
    path("so-theo-doi/<int:class_id>/<int:term_id>/ban-luu/", views.archive_download, name="archive_download"),
]
