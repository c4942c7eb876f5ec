-- Units of the completeness grid: each district, and from 2025-07-01 (no districts) the
-- province, whose wards are directly under it.
select distinct
    coalesce(district_code, province_code) as district_code,
    coalesce(
        district_name,
        'Phường, xã trực thuộc tỉnh/thành phố (từ 01/7/2025) / Wards under the province'
    ) as district_name
from mart.ward_completeness
order by district_code
