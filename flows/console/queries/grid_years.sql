select distinct left(period, 4) as year
from mart.ward_completeness
where coalesce(district_code, province_code) = ?
order by year
