from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.index, name="index"),
    path("xuat/", views.start, name="start"),
    path("xuat/<int:export_id>/", views.export_page, name="export"),
    path("xuat/<int:export_id>/trang-thai/", views.export_status, name="status"),
    path("xuat/<int:export_id>/thu-lai/", views.export_retry, name="retry"),
    path("xuat/<int:export_id>/tai-ve/", views.download, name="download"),
    path("thong-ke/", views.statistics, name="statistics"),
    path("phong/", views.district, name="district"),
    path("phong/<int:district_id>/tong-hop/", views.district_start, name="district_start"),
    path("phong/tong-hop/<int:workbook_id>/", views.workbook_page, name="workbook"),
    path("phong/tong-hop/<int:workbook_id>/trang-thai/", views.workbook_status, name="workbook_status"),
    path("phong/tong-hop/<int:workbook_id>/thu-lai/", views.workbook_retry, name="workbook_retry"),
    path("phong/tong-hop/<int:workbook_id>/tai-ve/", views.workbook_download, name="workbook_download"),
    path("phong/ban-xuat/<int:export_id>/tai-ve/", views.received_download, name="received_download"),
]
