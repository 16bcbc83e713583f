from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("", views.index, name="index"),
    path("mau-danh-sach-lop.xlsx", views.import_template, name="import_template"),
    path("lop/<int:class_id>/", views.register, name="register"),
    path("lop/<int:class_id>/hoc-sinh/<int:enrolment_id>/", views.profile, name="profile"),
    path("lop/<int:class_id>/hoc-sinh/<int:enrolment_id>/roi-lop/", views.leave, name="leave"),
    path("lop/<int:class_id>/chuyen-den/", views.transfer_in, name="transfer_in"),
    path("lop/<int:class_id>/nhap-danh-sach/", views.import_upload, name="import_upload"),
    path("lop/<int:class_id>/nhap-danh-sach/<uuid:token>/", views.import_preview, name="import_preview"),
    path("lop/<int:class_id>/diem-danh/", views.attendance_current, name="attendance"),
    path("lop/<int:class_id>/diem-danh/tong-hop/", views.summary, name="summary"),
    path("lop/<int:class_id>/diem-danh/<int:year>/<int:month>/", views.grid, name="grid"),
    path("lop/<int:class_id>/diem-danh/<int:year>/<int:month>/luu/", views.save, name="save"),
    path("lop/<int:class_id>/diem-danh/<int:year>/<int:month>/hoan-thanh/", views.complete, name="complete"),
    path("lop/<int:class_id>/diem-danh/<int:year>/<int:month>/mo-lai/", views.reopen, name="reopen"),
]
