"""Plausible Vietnamese names, places and jobs for the demo school (frequencies roughly as in life)."""

FAMILY_NAMES = (
    ["Nguyễn"] * 30
    + ["Trần"] * 11
    + ["Lê"] * 9
    + ["Phạm"] * 7
    + ["Hoàng"] * 5
    + ["Vũ"] * 4
    + ["Đặng"] * 3
    + ["Bùi"] * 3
    + ["Đỗ"] * 3
    + ["Hồ"] * 2
    + ["Ngô"] * 2
    + ["Dương"] * 2
    + ["Lý"]
    + ["Phan"] * 3
    + ["Võ"] * 2
    + ["Trịnh", "Đinh", "Lương", "Mai", "Tạ", "Đào", "Cao", "Lâm", "Hà", "Tô"]
)
MIDDLE_MALE = [
    "Văn",
    "Minh",
    "Đức",
    "Quang",
    "Hữu",
    "Thành",
    "Gia",
    "Anh",
    "Tuấn",
    "Hoàng",
    "Công",
    "Xuân",
    "Bảo",
    "Trọng",
    "Duy",
]
MIDDLE_FEMALE = [
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Phương",
    "Minh",
    "Khánh",
    "Bảo",
    "Hồng",
    "Mai",
    "Diệu",
    "Thảo",
    "Hải",
    "Tường",
]
GIVEN_MALE = [
    "An",
    "Anh",
    "Bách",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đạt",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Huy",
    "Hùng",
    "Khang",
    "Khánh",
    "Khôi",
    "Kiên",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Nhân",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Thịnh",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Vũ",
    "Ân",
    "Ước",
]
GIVEN_FEMALE = [
    "An",
    "Anh",
    "Ánh",
    "Chi",
    "Diệp",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hằng",
    "Hạnh",
    "Hiền",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thư",
    "Thủy",
    "Trang",
    "Trâm",
    "Tuyết",
    "Uyên",
    "Vân",
    "Vy",
    "Xuân",
    "Yến",
    "Ý",
    "Ơn",
]
STREETS = [
    "Tô Hiệu",
    "Lạch Tray",
    "Trần Nguyên Hãn",
    "Hai Bà Trưng",
    "Chợ Hàng",
    "Dư Hàng",
    "Nguyễn Văn Linh",
    "Thiên Lôi",
    "Miếu Hai Xã",
    "Lam Sơn",
    "Cầu Đất",
    "Hàng Kênh",
]
WARDS = ["phường Lê Chân", "phường An Biên", "phường Hồng Bàng", "phường Kênh Dương", "phường An Dương"]
JOBS = [
    "Công nhân",
    "Kinh doanh",
    "Giáo viên",
    "Nội trợ",
    "Kỹ sư",
    "Lái xe",
    "Bác sĩ",
    "Viên chức",
    "Nông dân",
    "Tự do",
    "Kế toán",
    "Bộ đội",
]
ETHNICITIES = ["Kinh"] * 40 + ["Tày", "Mường", "Hoa", "Nùng"]
