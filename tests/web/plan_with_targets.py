"""A small commune plan with chỉ tiêu (targets), for the intake review page's tests."""

from __future__ import annotations


def plan_with_targets(year: int) -> str:
    """Three tasks led by the sample commune's officers and three targets (one whose area has no task)."""
    return f"""ỦY BAN NHÂN DÂN
XÃ VĨNH LẬP
Số: 22/KH-UBND
Vĩnh Lập, ngày 06 tháng 01 năm {year}
KẾ HOẠCH
Cải cách hành chính năm {year} của UBND xã Vĩnh Lập
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao hiệu quả công tác cải cách hành chính.
II. CÁC CHỈ TIÊU CỤ THỂ
- Tối thiểu 50% hồ sơ thủ tục hành chính được tiếp nhận trực tuyến.
- 100% văn bản quy phạm pháp luật của xã được ban hành đúng quy định.
- Phấn đấu thu ngân sách xã đạt trên 5 tỷ đồng.
III. NHIỆM VỤ TRỌNG TÂM
1. Công tác chỉ đạo, điều hành
- Xây dựng và ban hành kế hoạch kiểm tra cải cách hành chính năm {year}. Cơ quan chủ trì: Công chức Văn phòng - Thống kê. Thời gian thực hiện: trước 28/02/{year}.
2. Cải cách thể chế
- Rà soát văn bản quy phạm pháp luật do UBND xã ban hành. Cơ quan chủ trì: Công chức Tư pháp - Hộ tịch. Thời gian thực hiện: theo Quý trước ngày 20 của tháng cuối Quý.
3. Cải cách tài chính công
- Công khai dự toán ngân sách xã. Cơ quan chủ trì: Công chức Tài chính - Kế toán. Thời gian thực hiện: trước 31/03/{year}.
IV. TỔ CHỨC THỰC HIỆN
Công chức Văn phòng - Thống kê là cơ quan thường trực, theo dõi, tổng hợp.
"""
