"""The skeleton of a commune or province report on the socio-economic plan, as the UBND writes it.

Why this order: it is the order of the Bình Lư 6-month report (``shared/seeds/002…``), which
follows the form every UBND uses (Phần I results by area, then the general assessment; Phần II
tasks of the next six months or year; Phần III the next year's plan).  A figure goes where its
own document put it (the seed's section path, e.g. "Phần 1 > I (Phát triển kinh tế) > 1.3 Lâm
nghiệp"); a figure from a spreadsheet goes by its catalogue theme.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    """One numbered heading of Phần I: where figures are written."""

    key: str
    number: str
    vi: str
    en: str
    seed: tuple[str, ...] = ()  # how the source documents begin this heading's section name
    themes: tuple[str, ...] = ()  # catalogue themes written here when the source names no section


@dataclass(frozen=True)
class Chapter:
    """I. Tình hình chung, II. Phát triển kinh tế …: a group of headings."""

    key: str
    number: str
    vi: str
    en: str
    headings: tuple[Heading, ...]


PART_ONE: tuple[Chapter, ...] = (
    Chapter("general", "I", "Tình hình chung", "General situation", (
        Heading("general_facts", "", "", "", seed=("I. Tình hình chung",)),
        Heading("advantages", "1", "Thuận lợi", "Advantages"),
        Heading("difficulties", "2", "Khó khăn", "Difficulties"),
    )),
    Chapter("economy", "II", "Phát triển kinh tế", "Economic development", (
        Heading("crops", "1.1", "Trồng trọt", "Crops", seed=("1.1 Trồng trọt", "1. Sản xuất Nông"),
                themes=("agriculture",)),
        Heading("livestock", "1.2", "Chăn nuôi, thủy sản", "Livestock and fisheries", seed=("1.2 Chăn nuôi",)),
        Heading("forestry", "1.3", "Lâm nghiệp", "Forestry", seed=("1.3 Lâm nghiệp",), themes=("forestry",)),
        Heading("irrigation", "1.4", "Thủy lợi, nước sinh hoạt", "Irrigation and domestic water",
                seed=("1.4 Thủy lợi",)),
        Heading("disasters", "1.5",
                "Phòng, chống thiên tai, tìm kiếm cứu nạn; sắp xếp, ổn định dân cư",
                "Disaster prevention and rescue; resettlement", seed=("1.5 Phòng",), themes=("resettlement",)),
        Heading("new_rural", "1.6", "Xây dựng nông thôn mới và chương trình OCOP",
                "New rural development and OCOP", seed=("1.6 Xây dựng",)),
        Heading("support", "1.7", "Thực hiện các chương trình, chính sách hỗ trợ sản xuất",
                "Programmes and policies supporting production", seed=("1.7",)),
        Heading("industry", "2", "Công nghiệp, tiểu thủ công nghiệp, xây dựng",
                "Industry, handicrafts and construction", seed=("2. Công nghiệp",), themes=("enterprise",)),
        Heading("trade", "3", "Thương mại - dịch vụ, du lịch", "Trade, services and tourism",
                seed=("3. Thương mại",), themes=("tourism",)),
        Heading("finance", "4", "Tài chính, ngân hàng", "Finance and banking", seed=("4. Tài chính",),
                themes=("budget",)),
        Heading("investment", "5", "Đầu tư, kết cấu hạ tầng", "Investment and infrastructure", seed=("5. Đầu tư",),
                themes=("infrastructure",)),
        Heading("environment", "6", "Quản lý tài nguyên, môi trường và khoáng sản",
                "Natural resources, environment and minerals", seed=("6. Tài nguyên",), themes=("environment",)),
    )),
    Chapter("society", "III", "Văn hoá - xã hội", "Culture and society", (
        Heading("education", "1", "Giáo dục", "Education", seed=("1. Giáo dục",), themes=("education",)),
        Heading("health", "2", "Y tế, chăm sóc sức khỏe nhân dân; an toàn thực phẩm; dân số",
                "Health care, food safety and population", seed=("2. Y tế",), themes=("health",)),
        Heading("culture", "3", "Văn hóa - thể thao, thông tin - truyền thông", "Culture, sport and information",
                seed=("3. Văn hóa",), themes=("culture",)),
        Heading("labour", "4", "Đào tạo nghề - giải quyết việc làm; giảm nghèo và an sinh xã hội",
                "Vocational training and jobs; poverty reduction and social security", seed=("4. Đào tạo",),
                themes=("labour", "poverty", "income")),
        Heading("ethnic", "5", "Công tác dân tộc - tôn giáo", "Ethnic and religious affairs",
                seed=("5. Dân tộc",)),
        Heading("government", "6", "Xây dựng chính quyền, cải cách hành chính, chuyển đổi số",
                "Government, administrative reform and digital transformation",
                seed=("6. Công tác xây dựng chính quyền",),
                themes=("governance_digital",)),
        Heading("security", "7", "Quốc phòng - an ninh", "Defence and security", seed=("7. Quốc phòng",),
                themes=("security",)),
    )),
    Chapter("assessment", "IV", "Đánh giá chung", "General assessment", (
        Heading("results", "1", "Kết quả đạt được", "Results achieved"),
        Heading("shortcomings", "2", "Tồn tại, hạn chế", "Shortcomings and limitations"),
        Heading("causes", "3", "Nguyên nhân", "Causes"),
    )),
)

HEADINGS = {h.key: h for c in PART_ONE for h in c.headings}
CHAPTER_OF = {h.key: c.key for c in PART_ONE for h in c.headings}

# Phần II "Nhiệm vụ, giải pháp": the areas the seed writes its tasks under, each a placeholder.
TASK_AREAS = (
    ("Về phát triển kinh tế", "Economic development"),
    ("Về phát triển văn hóa - xã hội", "Culture and society"),
    ("Tổ chức bộ máy, cải cách hành chính và chuyển đổi số",
     "Organisation, administrative reform and digital transformation"),
    ("Quản lý tài nguyên, bảo vệ môi trường, ứng phó với biến đổi khí hậu, phòng, chống thiên tai",
     "Natural resources, environment, climate change and disaster prevention"),
    ("Công tác tư pháp, giải quyết đơn thư, khiếu nại, tố cáo và phòng, chống tham nhũng",
     "Justice, complaints and anti-corruption"),
    ("Đảm bảo quốc phòng, an ninh, trật tự an toàn xã hội", "Defence, security and public order"),
)


def _last_part(section: str) -> str:
    return section.split(";")[0].split(" > ")[-1].strip()


# What "Tình hình chung" says of a unit, whichever file the figure came from.
GENERAL_CODES = {"area_km2", "population", "population_density", "villages_count", "households"}


def place(source_section: str | None, theme: str | None, code: str = "") -> str:
    """The heading a figure is written under: its document's section when that is a Phần I
    section of a report, else its theme's heading (economy's first heading when neither says)."""
    if code in GENERAL_CODES and not str(source_section or "").lower().startswith("phần"):
        return "general_facts"  # a boundary file's population, not a report's
    if source_section and source_section.lower().startswith("phần 1"):
        last = _last_part(source_section).lower()
        for chapter in PART_ONE:
            for heading in chapter.headings:
                if any(last.startswith(s.lower()) for s in heading.seed):
                    return heading.key
    for chapter in PART_ONE:
        for heading in chapter.headings:
            if theme and theme in heading.themes:
                return heading.key
    return "crops"
