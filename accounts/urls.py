from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    # Account management (admin board).
    path("quan-ly/", views.account_list, name="account_list"),
    path("quan-ly/tao-moi/", views.account_create, name="account_create"),
    path("quan-ly/<int:account_id>/", views.account_detail, name="account_detail"),
    path("quan-ly/<int:account_id>/ho-so/", views.account_profile, name="account_profile"),
    path("quan-ly/<int:account_id>/vai-tro/", views.account_role_add, name="account_role_add"),
    path(
        "quan-ly/<int:account_id>/vai-tro/<int:grant_id>/thu-hoi/",
        views.account_role_revoke,
        name="account_role_revoke",
    ),
    path(
        "quan-ly/<int:account_id>/chu-nhiem/<int:assignment_id>/ket-thuc/",
        views.account_homeroom_end,
        name="account_homeroom_end",
    ),
    path("quan-ly/<int:account_id>/trang-thai/", views.account_status, name="account_status"),
    path("quan-ly/<int:account_id>/mat-khau/", views.account_password_reset, name="account_password_reset"),
    path("quan-ly/<int:account_id>/mo-khoa/", views.account_unlock, name="account_unlock"),
]
