-- Where the funnel leaks most: every stage transition with a target band x dimension value, on
-- mature cohorts (MQL cohorts old enough to judge). gap_to_target is the rate minus the band's low
-- end (negative = below target); leads_lost is how many more lead cycles would have converted at
-- the low end of the band. Ranked by leads lost, then by gap. Transitions into a stage no loaded
-- source carries are left out (not measurable).

with transitions as (
    -- mature MQL cohorts, counted cumulatively without a window (funnel_transition_members)
    select t.lead_id, t.cycle_number, t.kpi, t.from_stage, t.to_stage,
           case when t.converted then 1 else 0 end as converted
    from {{ ref('funnel_transition_members') }} as t
    where t.cohort_basis = 'mql' and t.metric_style = 'cumulative' and t.window_days = 0
        and not t.is_young and t.is_measurable
),

attributes as (
    select * from {{ ref('lead_attributes') }}
),

rates as (
    select
        t.kpi,
        t.from_stage,
        t.to_stage,
        {{ dimension_of_set('a') }},
        count(*) as entered_leads,
        {{ count_where('t.converted = 1') }} as converted_leads,
        cast(sum(t.converted) as double) / count(*) as conversion_rate
    from transitions as t
    inner join attributes as a on a.lead_id = t.lead_id and a.cycle_number = t.cycle_number
    group by {{ dimension_grouping_sets(['t.kpi', 't.from_stage', 't.to_stage'], 'a') }}
),

scored as (
    select
        r.*,
        b.low as target_low,
        b.high as target_high,
        r.conversion_rate - b.low as gap_to_target,
        -- the KPI rules (pipelines/kpi_functions.py), the same the dashboard applies under filters
        band_status(r.conversion_rate, b.low, b.high, r.entered_leads, {{ rule('target_min_sample_size') }})
            as target_status,
        leads_lost(r.entered_leads, r.converted_leads, b.low) as leads_lost
    from rates as r
    inner join {{ source('config', 'target_bands') }} as b on b.kpi = r.kpi
)

select
    *,
    cast(row_number() over (order by leads_lost desc, gap_to_target, kpi, dimension, dimension_value)
        as {{ dbt.type_bigint() }}) as bottleneck_rank,
    cast(row_number() over (
        partition by kpi order by leads_lost desc, gap_to_target, dimension, dimension_value
    ) as {{ dbt.type_bigint() }}) as rank_within_kpi
from scored
where dimension <> 'all'
