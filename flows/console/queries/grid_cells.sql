-- One row per ward and period of a district's year, with the rejected files that did not count.
with

expected as (
    select * from mart.ward_completeness
    where coalesce(district_code, province_code) = ? and left(period, 4) = ?
),

rejected as (
    select ward_code, period, count(*) as files_rejected
    from raw.files
    where status = 'rejected' and ward_code is not null and period is not null
    group by ward_code, period
),

final as (
    select
        expected.*,
        coalesce(rejected.files_rejected, 0) as files_rejected
    from expected
    left join rejected using (ward_code, period)
)

select * from final
order by ward_order, ward_code, period_order, period
