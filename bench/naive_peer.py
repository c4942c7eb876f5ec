"""NAIVE PEER — not part of mttq; the benchmark's yardstick only.

What a competent analyst would write in an afternoon with pandas + openpyxl: read every
workbook with `pandas.read_excel`, find the `Mã chỉ tiêu` / `Kết quả` table and the
`Mã đơn vị` / `Kỳ báo cáo` cells, then sum every indicator per district and period and count
the wards that reported it. One process, no archive, no ledger, no validation beyond "is it a
number", no cumulative periods, clusters, completeness or findings: it does less than mttq, so
mttq's lead over it is a lower bound.

    python -m bench.naive_peer INBOX_DIR OUTPUT.csv
"""

import re
import sys
from pathlib import Path

import pandas as pd

UNITS_CSV = Path(__file__).parent.parent / "warehouse" / "reference" / "units.csv"
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


def read_report(path: Path) -> tuple[str | None, str | None, list[tuple[str, float]]]:
    """(ward code, period, [(indicator code, value)]) of one template workbook."""
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object)
    for frame in sheets.values():
        ward_code = period = None
        for index, row in frame.iterrows():
            label = str(row.iloc[0]).strip().lower()
            if label.startswith("mã đơn vị"):
                ward_code = str(row.iloc[2]).strip().zfill(5)
            elif label.startswith("kỳ báo cáo"):
                period = parse_period(str(row.iloc[2]))
            elif label == "stt":
                table = frame.iloc[index + 1:, [1, 4]].dropna()
                values = [(str(code), float(value)) for code, value in table.itertuples(index=False)
                          if isinstance(value, int | float)]
                return ward_code, period, values
    return None, None, []


def parse_period(text: str) -> str | None:
    """`Quý I/2024` -> `2024-Q1`."""
    match = re.search(r"Quý\s+([IV]+)\s*/\s*(\d{4})", text)
    return f"{match[2]}-Q{ROMAN[match[1]]}" if match else None


def main(inbox: Path, output: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(inbox.rglob("*.xlsx")):
        ward_code, period, values = read_report(path)
        rows += [(ward_code, period, code, value) for code, value in values]
    values = pd.DataFrame(rows, columns=["ward_code", "period", "indicator_code", "value"])
    units = pd.read_csv(UNITS_CSV, dtype=str)
    # district-era wards (valid_to set); post-2025 wards reuse some codes
    wards = units[(units["level"] == "ward") & units["valid_to"].notna()].drop_duplicates(
        "unit_code", keep="last")
    joined = values.merge(wards[["unit_code", "parent_code"]], left_on="ward_code",
                          right_on="unit_code")
    summary = (joined.groupby(["parent_code", "period", "indicator_code"])
               .agg(value=("value", "sum"), wards_reporting=("ward_code", "nunique"))
               .reset_index())
    summary.to_csv(output, index=False)
    return summary


if __name__ == "__main__":
    result = main(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"naive peer: {len(result)} district rows")
