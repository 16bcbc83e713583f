from django.urls import path

from . import views

app_name = "corrections"

urlpatterns = [
    path("", views.locks, name="locks"),
    path("quyet-dinh/", views.lock_decide, name="lock_decide"),
    path("<int:lock_id>/thuc-hien/", views.lock_execute, name="lock_execute"),
    path("<int:lock_id>/rut/", views.lock_withdraw, name="lock_withdraw"),
    path("ngoai-le/", views.permits, name="permits"),
    path("cai-dat/", views.policy, name="policy"),
    path("bien-ban/", views.minutes_list, name="minutes_list"),
    path("bien-ban/moi/", views.minutes_new, name="minutes_new"),
    path("bien-ban/<int:correction_id>/", views.minutes_detail, name="minutes"),
    path("bien-ban/<int:correction_id>/dong/", views.line_add, name="line_add"),
    path("bien-ban/<int:correction_id>/dong/<int:line_id>/xoa/", views.line_remove, name="line_remove"),
    path("bien-ban/<int:correction_id>/minh-chung/", views.evidence_add, name="evidence_add"),
    path(
        "bien-ban/<int:correction_id>/minh-chung/<int:evidence_id>/", views.evidence_download, name="evidence_download"
    ),
    path(
        "bien-ban/<int:correction_id>/minh-chung/<int:evidence_id>/xoa/", views.evidence_remove, name="evidence_remove"
    ),
    path("bien-ban/<int:correction_id>/nop/", views.minutes_submit, name="minutes_submit"),
    path("bien-ban/<int:correction_id>/gvcn/", views.minutes_homeroom, name="minutes_homeroom"),
    path("bien-ban/<int:correction_id>/duyet/", views.minutes_decide, name="minutes_decide"),
    path("bien-ban/<int:correction_id>/thuc-hien/", views.minutes_confirm, name="minutes_confirm"),
    path("bien-ban/<int:correction_id>/ky/", views.minutes_sign, name="minutes_sign"),
    path("bien-ban/<int:correction_id>/luu/", views.minutes_archive, name="minutes_archive"),
    path("bien-ban/<int:correction_id>/rut/", views.minutes_withdraw, name="minutes_withdraw"),
    path("bien-ban/<int:correction_id>/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path("nhat-ki/", views.audit_trail, name="audit"),
    path("nhat-ki/xlsx/", views.audit_export, name="audit_export"),
    path("canh-bao/", views.signals, name="signals"),
]
