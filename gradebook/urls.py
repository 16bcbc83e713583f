from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tai-khoan/", include("accounts.urls")),
    path("quan-tri-django/", admin.site.urls),
    path("chu-nhiem/", include("attendance.urls")),
    path("khoa-so/", include("corrections.urls")),
    path("diem/", include("grades.urls")),
    path("in-so/", include("printing.urls")),
    path("bao-cao/", include("exports.urls")),
    path("phu-huynh/", include("portal.urls")),
]
