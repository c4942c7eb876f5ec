-- Districts of the completeness grid (the district era; post-2025 wards have no district).
select distinct district_code, district_name
from mart.ward_completeness
where district_code is not null
order by district_code
