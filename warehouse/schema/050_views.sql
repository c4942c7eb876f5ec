-- Analyst views with Vietnamese column labels, for Excel/DBeaver users (same rows as mart.*).

create or replace view mart.bao_cao_quan_huyen as
with summary as (
    select * from mart.district_summary
),
catalog as (
    select indicator_code, sort_order from core.indicators
),
final as (
    select
        summary.period as "Kỳ",
        summary.unit_code as "Mã đơn vị",
        summary.unit_name as "Đơn vị",
        summary.indicator_code as "Mã chỉ tiêu",
        summary.indicator_name as "Chỉ tiêu",
        summary.unit as "Đơn vị tính",
        summary.value as "Kết quả",
        summary.wards_reporting as "Số phường báo cáo",
        summary.wards_expected as "Số phường phải báo cáo",
        catalog.sort_order,
        -- periods in reporting order: Q1, Q2, H1, Q3, 9M, Q4, H2, Y
        split_part(summary.period, '-', 1) || case split_part(summary.period, '-', 2)
            when 'Q1' then '1' when 'Q2' then '2' when 'H1' then '3' when 'Q3' then '4'
            when '9M' then '5' when 'Q4' then '6' when 'H2' then '7' else '8' end as period_order
    from summary
    left join catalog using (indicator_code)
)
select * exclude (sort_order, period_order) from final
order by period_order, "Mã đơn vị", sort_order;
comment on view mart.bao_cao_quan_huyen is 'Báo cáo tổng hợp cấp quận/huyện (nhãn tiếng Việt) / District summary with Vietnamese labels';
comment on column mart.bao_cao_quan_huyen."Kỳ" is 'Kỳ báo cáo / Period';
comment on column mart.bao_cao_quan_huyen."Mã đơn vị" is 'Mã đơn vị / Unit code';
comment on column mart.bao_cao_quan_huyen."Đơn vị" is 'Tên đơn vị / Unit name';
comment on column mart.bao_cao_quan_huyen."Mã chỉ tiêu" is 'Mã chỉ tiêu / Indicator code';
comment on column mart.bao_cao_quan_huyen."Chỉ tiêu" is 'Tên chỉ tiêu / Indicator name';
comment on column mart.bao_cao_quan_huyen."Đơn vị tính" is 'Đơn vị tính / Unit';
comment on column mart.bao_cao_quan_huyen."Kết quả" is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.bao_cao_quan_huyen."Số phường báo cáo" is 'Số phường có số liệu / Wards reporting';
comment on column mart.bao_cao_quan_huyen."Số phường phải báo cáo" is 'Số phường phải báo cáo / Wards expected';

create or replace view mart.bao_cao_cum_thi_dua as
with summary as (
    select * from mart.cluster_summary
),
catalog as (
    select indicator_code, sort_order from core.indicators
),
final as (
    select
        summary.period as "Kỳ",
        summary.unit_code as "Mã đơn vị",
        summary.unit_name as "Đơn vị",
        summary.indicator_code as "Mã chỉ tiêu",
        summary.indicator_name as "Chỉ tiêu",
        summary.unit as "Đơn vị tính",
        summary.value as "Kết quả",
        summary.wards_reporting as "Số phường báo cáo",
        summary.wards_expected as "Số phường phải báo cáo",
        catalog.sort_order,
        -- periods in reporting order: Q1, Q2, H1, Q3, 9M, Q4, H2, Y
        split_part(summary.period, '-', 1) || case split_part(summary.period, '-', 2)
            when 'Q1' then '1' when 'Q2' then '2' when 'H1' then '3' when 'Q3' then '4'
            when '9M' then '5' when 'Q4' then '6' when 'H2' then '7' else '8' end as period_order
    from summary
    left join catalog using (indicator_code)
)
select * exclude (sort_order, period_order) from final
order by period_order, "Mã đơn vị", sort_order;
comment on view mart.bao_cao_cum_thi_dua is 'Báo cáo tổng hợp cấp cụm thi đua (nhãn tiếng Việt) / Cluster summary with Vietnamese labels';
comment on column mart.bao_cao_cum_thi_dua."Kỳ" is 'Kỳ báo cáo / Period';
comment on column mart.bao_cao_cum_thi_dua."Mã đơn vị" is 'Mã đơn vị / Unit code';
comment on column mart.bao_cao_cum_thi_dua."Đơn vị" is 'Tên đơn vị / Unit name';
comment on column mart.bao_cao_cum_thi_dua."Mã chỉ tiêu" is 'Mã chỉ tiêu / Indicator code';
comment on column mart.bao_cao_cum_thi_dua."Chỉ tiêu" is 'Tên chỉ tiêu / Indicator name';
comment on column mart.bao_cao_cum_thi_dua."Đơn vị tính" is 'Đơn vị tính / Unit';
comment on column mart.bao_cao_cum_thi_dua."Kết quả" is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.bao_cao_cum_thi_dua."Số phường báo cáo" is 'Số phường có số liệu / Wards reporting';
comment on column mart.bao_cao_cum_thi_dua."Số phường phải báo cáo" is 'Số phường phải báo cáo / Wards expected';

create or replace view mart.bao_cao_thanh_pho as
with summary as (
    select * from mart.city_summary
),
catalog as (
    select indicator_code, sort_order from core.indicators
),
final as (
    select
        summary.period as "Kỳ",
        summary.unit_code as "Mã đơn vị",
        summary.unit_name as "Đơn vị",
        summary.indicator_code as "Mã chỉ tiêu",
        summary.indicator_name as "Chỉ tiêu",
        summary.unit as "Đơn vị tính",
        summary.value as "Kết quả",
        summary.wards_reporting as "Số phường báo cáo",
        summary.wards_expected as "Số phường phải báo cáo",
        catalog.sort_order,
        -- periods in reporting order: Q1, Q2, H1, Q3, 9M, Q4, H2, Y
        split_part(summary.period, '-', 1) || case split_part(summary.period, '-', 2)
            when 'Q1' then '1' when 'Q2' then '2' when 'H1' then '3' when 'Q3' then '4'
            when '9M' then '5' when 'Q4' then '6' when 'H2' then '7' else '8' end as period_order
    from summary
    left join catalog using (indicator_code)
)
select * exclude (sort_order, period_order) from final
order by period_order, "Mã đơn vị", sort_order;
comment on view mart.bao_cao_thanh_pho is 'Báo cáo tổng hợp cấp thành phố (nhãn tiếng Việt) / City summary with Vietnamese labels';
comment on column mart.bao_cao_thanh_pho."Kỳ" is 'Kỳ báo cáo / Period';
comment on column mart.bao_cao_thanh_pho."Mã đơn vị" is 'Mã đơn vị / Unit code';
comment on column mart.bao_cao_thanh_pho."Đơn vị" is 'Tên đơn vị / Unit name';
comment on column mart.bao_cao_thanh_pho."Mã chỉ tiêu" is 'Mã chỉ tiêu / Indicator code';
comment on column mart.bao_cao_thanh_pho."Chỉ tiêu" is 'Tên chỉ tiêu / Indicator name';
comment on column mart.bao_cao_thanh_pho."Đơn vị tính" is 'Đơn vị tính / Unit';
comment on column mart.bao_cao_thanh_pho."Kết quả" is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.bao_cao_thanh_pho."Số phường báo cáo" is 'Số phường có số liệu / Wards reporting';
comment on column mart.bao_cao_thanh_pho."Số phường phải báo cáo" is 'Số phường phải báo cáo / Wards expected';
