-- Analyst view with Vietnamese column labels, for Excel/DBeaver users: every summary row of
-- every level (district, cluster, city), in reporting order.

create or replace view mart.bao_cao_tong_hop as
with summaries as (
    select * from mart.district_summary
    union all by name
    select * from mart.cluster_summary
    union all by name
    select * from mart.city_summary
),
catalog as (
    select indicator_code, sort_order from core.indicators
),
final as (
    select
        case summaries.level
            when 'district' then 'Quận/huyện' when 'cluster' then 'Cụm thi đua'
            else 'Thành phố' end as "Cấp",
        summaries.period as "Kỳ",
        summaries.unit_code as "Mã đơn vị",
        summaries.unit_name as "Đơn vị",
        summaries.indicator_code as "Mã chỉ tiêu",
        summaries.indicator_name as "Chỉ tiêu",
        summaries.unit as "Đơn vị tính",
        summaries.value as "Kết quả",
        summaries.wards_reporting as "Số phường báo cáo",
        summaries.wards_expected as "Số phường phải báo cáo",
        catalog.sort_order,
        case summaries.level when 'district' then 1 when 'cluster' then 2 else 3 end as level_order,
        -- periods in reporting order: Q1, Q2, H1, Q3, 9M, Q4, H2, Y
        split_part(summaries.period, '-', 1) || case split_part(summaries.period, '-', 2)
            when 'Q1' then '1' when 'Q2' then '2' when 'H1' then '3' when 'Q3' then '4'
            when '9M' then '5' when 'Q4' then '6' when 'H2' then '7' else '8' end as period_order
    from summaries
    left join catalog using (indicator_code)
)
select * exclude (sort_order, level_order, period_order) from final
order by period_order, level_order, "Mã đơn vị", sort_order;
comment on view mart.bao_cao_tong_hop is 'Báo cáo tổng hợp mọi cấp (nhãn tiếng Việt) / Summaries of every level with Vietnamese labels';
comment on column mart.bao_cao_tong_hop."Cấp" is 'Cấp tổng hợp / Level';
comment on column mart.bao_cao_tong_hop."Kỳ" is 'Kỳ báo cáo / Period';
comment on column mart.bao_cao_tong_hop."Mã đơn vị" is 'Mã đơn vị / Unit code';
comment on column mart.bao_cao_tong_hop."Đơn vị" is 'Tên đơn vị / Unit name';
comment on column mart.bao_cao_tong_hop."Mã chỉ tiêu" is 'Mã chỉ tiêu / Indicator code';
comment on column mart.bao_cao_tong_hop."Chỉ tiêu" is 'Tên chỉ tiêu / Indicator name';
comment on column mart.bao_cao_tong_hop."Đơn vị tính" is 'Đơn vị tính / Unit';
comment on column mart.bao_cao_tong_hop."Kết quả" is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.bao_cao_tong_hop."Số phường báo cáo" is 'Số phường có số liệu / Wards reporting';
comment on column mart.bao_cao_tong_hop."Số phường phải báo cáo" is 'Số phường phải báo cáo / Wards expected';
