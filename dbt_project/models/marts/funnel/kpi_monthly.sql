-- The headline KPIs, one row per KPI and month (business time zone), company-wide, with the
-- target and the band status. The monthly review's KPI table reads it. Each is the department KPI
-- of the same name (department_kpis_monthly, rep '(all)': MQLs and MQL->SQL of the month's MQL
-- cohort, the win rate of the deals closed in the month, SLA compliance and first-contact time of
-- the hand-offs notified in it), with new and ending ARR from the ARR bridge (the new-ARR target:
-- the fiscal year's over twelve). A target with only a low end is a minimum, only a high end a
-- maximum.

with departments as (
    select kpi, month, value, cases, is_young, target_low, target_high, target_status
    from {{ ref('department_kpis_monthly') }}
    where rep = '(all)' and kpi in ('mqls', 'mql_to_sql', 'win_rate', 'sla_first_contact', 'sla_all',
                                    'first_contact_hours')
),

arr as (
    select 'new_arr' as kpi, month, cast(new_arr as double) as value,
           {{ rule('target_new_arr_fiscal_year') }} / cast(12 as double) as target_low
    from {{ ref('arr_monthly') }}
    union all
    select 'ending_arr', month, cast(ending_arr as double), cast(null as double)
    from {{ ref('arr_monthly') }}
),

-- the ARR rows in every month the department KPIs have (and the months only ARR has)
months as (
    select distinct month from departments
    union
    select distinct month from arr
)

select kpi, month, value, cases, is_young, target_low, target_high, target_status
from departments
union all
select
    k.kpi,
    m.month,
    a.value,
    cast(null as {{ dbt.type_bigint() }}) as cases,
    false as is_young,
    k.target_low,
    cast(null as double) as target_high,
    case when k.target_low is null then null
         else band_status(a.value, k.target_low, null, null, {{ rule('target_min_sample_size') }})
    end as target_status
from (select distinct kpi, target_low from arr) as k
cross join months as m
left join arr as a on a.kpi = k.kpi and a.month = m.month
