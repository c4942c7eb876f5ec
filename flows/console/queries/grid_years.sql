select distinct left(period, 4) as year
from mart.ward_completeness
where district_code = ?
order by year
