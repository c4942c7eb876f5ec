"""`mttq template`: the blank report for one ward and period, its header filled in.

`Ngày lập` (report date) is left blank for the ward: of two reports for the same ward and
period the later `Ngày lập` wins, so a date the template made up would decide it.
"""

from pathlib import Path

import polars as pl

from transforms.period_parser import parse_period
from transforms.periods import period_end, period_label
from warehouse import reference
from warehouse.template import write_report_xlsx


def make_template(ward_code: str, period_text: str, output: Path) -> Path:
    """Write the template; ValueError (in words) for an unknown ward or period."""
    period = parse_period(period_text)
    if period is None:
        raise ValueError(f"Không hiểu kỳ báo cáo '{period_text}' / Unknown period "
                         f"'{period_text}' (e.g. 2021-Q3, 'Quý III/2021').")
    units = reference.units_valid_on(reference.load_units(), period_end(period))
    ward = units.filter((pl.col("level") == "ward") & (pl.col("unit_code") == ward_code.zfill(5)))
    if ward.is_empty():
        raise ValueError(f"Không có phường/xã mã '{ward_code}' trong kỳ {period} / No ward with "
                         f"code '{ward_code}' in {period}.")
    parent = units.filter(pl.col("unit_code") == ward["parent_code"][0])
    district_name = parent["unit_name"][0] if parent["level"][0] == "district" else ""
    header = {
        "ward_name": ward["unit_name"][0],
        "ward_code": ward["unit_code"][0],
        "district_name": district_name,
        "period_label": period_label(period),
        "report_date": None,  # the ward writes the day it reports: it decides resubmissions
        "author": "",
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    indicators = reference.load_indicators().sort("sort_order").to_dicts()
    return write_report_xlsx(output, header, indicators)
