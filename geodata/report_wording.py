"""Every sentence template of the report drafts, in one reviewable place (Vietnamese and English).

Why rule-based: a planner signs the report, so each sentence must say exactly the stored numbers
and their evaluation, the same way every time; a reviewer reads this file to know what the
generator can write.  ``{value}``-style fields are filled by ``geodata.report``.
"""

from __future__ import annotations

SECTION_TITLES = {  # report sections in the order of the seed reports
    "economy": ("Kinh tế", "Economy"),
    "society": ("Văn hoá - xã hội", "Culture and society"),
    "poverty": ("Giảm nghèo", "Poverty reduction"),
    "infrastructure": ("Hạ tầng", "Infrastructure"),
    "resettlement": ("Tái định cư", "Resettlement"),
    "tourism": ("Du lịch", "Tourism"),
    "environment": ("Tài nguyên, môi trường", "Natural resources and environment"),
    "security": ("Quốc phòng, an ninh", "Defence and security"),
    "governance": ("Xây dựng chính quyền, chuyển đổi số", "Government and digital transformation"),
}
THEME_SECTION = {  # catalogue theme -> report section
    "agriculture": "economy", "forestry": "economy", "enterprise": "economy", "income": "economy",
    "budget": "economy", "culture": "society", "education": "society", "health": "society", "labour": "society",
    "poverty": "poverty", "infrastructure": "infrastructure", "resettlement": "resettlement",
    "tourism": "tourism", "environment": "environment", "security": "security",
    "governance_digital": "governance",
}
STATUS_WORDS = {  # how a status reads inside a sentence
    "achieved": ("đạt mục tiêu", "target achieved"),
    "exceeded": ("vượt mục tiêu", "target exceeded"),
    "on_track": ("đúng tiến độ", "on track"),
    "in_progress": ("đang thực hiện", "in progress"),
    "at_risk": ("có nguy cơ không đạt", "at risk"),
    "not_achieved": ("chưa đạt", "not achieved yet"),
    "off_track": ("chậm tiến độ", "off track"),
    "deteriorating": ("đang xấu đi", "deteriorating"),
    "no_data": ("chưa đủ số liệu để đánh giá", "not enough data to judge"),
}
TEXT = {
    "vi": {
        "value": "{name} đạt {value}",
        "value_plain": "{name}: {value}",
        "change_pp": "{direction} {amount} điểm phần trăm so với {against}",
        "change_pct": "{direction} {amount} % so với {against}",
        "up": "tăng", "down": "giảm", "same": "không đổi",
        "same_period": "cùng kỳ năm trước", "baseline": "năm {year}",
        "plan": "bằng {pct} % kế hoạch năm ({plan})",
        "target": "so với mục tiêu {shape} {target} năm {year}: {status}",
        "years": "theo tốc độ hiện nay cần khoảng {years} năm nữa để đạt",
        "no_figures": "Kỳ này kho chưa có số liệu nào của đơn vị cho lĩnh vực này.",
        "check_title": "Số liệu cần kiểm tra lại",
        "check_line": "{name}: {message}.",
        "table_head": ("STT", "Chỉ tiêu", "ĐVT", "Kế hoạch", "Thực hiện", "% KH", "Ghi chú"),
        "sources_title": "Nguồn số liệu",
        "motto": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
        "issuer": "ỦY BAN NHÂN DÂN {unit}",
        "number": "Số: …/BC-UBND",
        "date": "{place}, ngày … tháng … năm …",
        "title": "BÁO CÁO",
        "subtitle": "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội {period}",
        "draft": "Bản dự thảo do webmap lập từ số liệu trong kho ngày {made}; cần rà soát trước khi ban hành.",
        "illustrative": " (số liệu minh hoạ, không chính thức)",
        "no_plan": "–",
        "ranking_title": "Các đơn vị cấp dưới so với mục tiêu",
        "figure": "Hình",
        "ranking": "{name} ({unit}): {reported}/{total} đơn vị có số liệu kỳ này.",
        "ranking_head": ("Hạng", "Đơn vị", "Thực hiện", "Mục tiêu", "% mục tiêu", "Đánh giá"),
    },
    "en": {
        "value": "{name} reached {value}",
        "value_plain": "{name}: {value}",
        "change_pp": "{direction} {amount} percentage points on {against}",
        "change_pct": "{direction} {amount} % on {against}",
        "up": "up", "down": "down", "same": "unchanged",
        "same_period": "the same period last year", "baseline": "{year}",
        "plan": "{pct} % of the annual plan ({plan})",
        "target": "against the target of {shape} {target} by {year}: {status}",
        "years": "at the current pace about {years} more years to reach it",
        "no_figures": "The store has no figure of this unit for this area in this period.",
        "check_title": "Figures to check",
        "check_line": "{name}: {message}.",
        "table_head": ("No.", "Indicator", "Unit", "Plan", "Actual", "% of plan", "Note"),
        "sources_title": "Sources",
        "motto": ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness"),
        "issuer": "PEOPLE'S COMMITTEE OF {unit}",
        "number": "No.: …/BC-UBND",
        "date": "{place}, … … …",
        "title": "REPORT",
        "subtitle": "Results of the socio-economic development tasks, {period}",
        "draft": "Draft made by webmap from the figures in the store on {made}; review before issuing.",
        "illustrative": " (illustrative figures, not official)",
        "no_plan": "–",
        "ranking_title": "The units below against the target",
        "figure": "Figure",
        "ranking": "{name} ({unit}): {reported} of {total} units reported this period.",
        "ranking_head": ("Rank", "Unit", "Actual", "Target", "% of target", "Assessment"),
    },
}
