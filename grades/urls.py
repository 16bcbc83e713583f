from django.urls import path

from . import results_views, views

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
    # Conduct, the class overview, results, the summer and the rollover (results_views).
    path("lop/<int:class_id>/ren-luyen/<slug:period_slug>/", results_views.conduct, name="conduct"),
    path("lop/<int:class_id>/tong-hop/<slug:period_slug>/", results_views.overview, name="overview"),
    path("lop/<int:class_id>/ket-qua/<slug:period_slug>/", results_views.results, name="results"),
    path("lop/<int:class_id>/ket-qua/<slug:period_slug>/tinh/", results_views.results_compute, name="results_compute"),
    path(
        "lop/<int:class_id>/ket-qua/<slug:period_slug>/de-nghi/", results_views.results_propose, name="results_propose"
    ),
    path("lop/<int:class_id>/ket-qua/<slug:period_slug>/duyet/", results_views.results_approve, name="results_approve"),
    path("lop/<int:class_id>/ket-qua/<slug:period_slug>/tra-lai/", results_views.results_return, name="results_return"),
    path("mon/<int:class_subject_id>/ne-nep/", results_views.discipline, name="discipline"),
    path("mon/<int:class_subject_id>/kiem-tra-lai/", results_views.retest, name="retest"),
    path("ket-qua/", results_views.school, name="school_results"),
    path("ket-qua/han-he/", results_views.summer_deadline_view, name="summer_deadline"),
    path("len-lop/", results_views.rollover, name="rollover"),
]
