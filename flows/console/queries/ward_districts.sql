-- Ward -> district of each period (the hierarchy valid at the period's end).
select distinct ward_code, period, district_code, district_name, ward_name
from mart.ward_completeness
