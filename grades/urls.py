from django.urls import path

from . import views

app_name = "grades"

urlpatterns = [
    path("", views.index, name="index"),
    path("mon/<int:class_subject_id>/", views.grid_start, name="grid_start"),
    path("mon/<int:class_subject_id>/hoc-ki-<int:term_number>/", views.grid_term, name="grid"),
    path("mon/<int:class_subject_id>/ca-nam/", views.grid_year, name="grid_year"),
    path("mon/<int:class_subject_id>/luu/", views.cell_save, name="cell_save"),
    path("mon/<int:class_subject_id>/lich-su/", views.cell_history_view, name="cell_history"),
    path("mon/<int:class_subject_id>/dan/xem-truoc/", views.paste_preview, name="paste_preview"),
    path("mon/<int:class_subject_id>/dan/ap-dung/", views.paste_apply, name="paste_apply"),
    path("mon/<int:class_subject_id>/ngay-kiem-tra/", views.test_date, name="test_date"),
    path("mon/<int:class_subject_id>/hoc-ki-<int:term_number>/mau.xlsx", views.xlsx_download, name="xlsx_download"),
    path("mon/<int:class_subject_id>/hoc-ki-<int:term_number>/nhap-tep/", views.xlsx_upload, name="xlsx_upload"),
    path(
        "mon/<int:class_subject_id>/hoc-ki-<int:term_number>/nhap-tep/xac-nhan/",
        views.xlsx_confirm,
        name="xlsx_confirm",
    ),
]
