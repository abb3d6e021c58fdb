"""Units of measure as a Vietnamese reader writes them (the catalogue keeps English keys).

Why in the data layer: exports (a spreadsheet's headers) and pages must say them the same way.
"""

from __future__ import annotations

UNIT_LABELS_VI = {
    "persons": "người", "persons/km2": "người/km²", "households": "hộ", "villages": "bản",
    "tonnes": "tấn", "visits": "lượt", "km2": "km²", "million VND": "triệu đồng",
    "million VND (as written; probably billion VND)": "triệu đồng (như văn bản ghi; có lẽ là tỷ đồng)",
    "billion VND": "tỷ đồng", "VND": "đồng", "patients": "bệnh nhân", "pupils": "học sinh", "schools": "trường",
    "works": "công trình", "enterprises": "doanh nghiệp", "cooperatives": "hợp tác xã", "projects": "dự án",
    "events": "đợt", "permits": "giấy phép", "decisions": "quyết định", "products": "sản phẩm", "sites": "điểm",
    "groups": "nhóm", "cases": "trường hợp", "inspections": "lượt kiểm tra", "communes": "xã", "head": "con",
    "m2": "m²", "m3": "m³", "ha": "ha", "km": "km", "ratio": "lần", "% per year": "%/năm",
    "pp/year": "điểm %/năm", "% ; pp/year": "%", "persons (per year)": "người/năm", "persons/year": "người/năm",
    "quintals/ha": "tạ/ha", "quintals (100 kg)/ha": "tạ/ha", "million VND/person/year": "triệu đồng/người/năm",
    "million VND (as written)": "triệu đồng", "flag": "(1 = đạt)", "flag (1=yes)": "(1 = đạt)",
    "% of expenditure": "% tổng chi", "% of budget expenditure": "% tổng chi ngân sách",
    "% vs base_year": "% so với năm gốc", "x base_year": "lần so với năm gốc", "% vs base period": "% so với kỳ gốc",
    "million VND/person/year vs base_year": "triệu đồng/người/năm so với năm gốc",
    "count; % vs base": "số đơn vị; % so với kỳ gốc", "%": "%", "pp": "điểm %", "degrees": "độ", "m": "m",
}
