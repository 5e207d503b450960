-- Where the funnel leaks most: every stage transition with a target band x dimension value, on
-- mature cohorts (MQL cohorts old enough to judge). gap_to_target is the rate minus the band's low
-- end (negative = below target); leads_lost is how many more lead cycles would have converted at
-- the low end of the band. Ranked by leads lost, then by gap. Transitions into a stage no loaded
-- source carries are left out (not measurable).

{%- set transitions = [('mql_to_sql', 'mql', 'sql'), ('sql_to_opportunity', 'sql', 'opportunity'),
                       ('opportunity_to_won', 'opportunity', 'won'), ('sql_to_won', 'sql', 'won'),
                       ('mql_to_won', 'mql', 'won')] %}

with journeys as (
    select j.*
    from {{ ref('lead_journey') }} as j
    cross join {{ ref('int_as_of') }} as o
    where j.cohort_month is not null
        and not {{ cohort_is_young('j.cohort_month', 'o.as_of_local_date') }}
),

dimensions as (
    select * from {{ ref('lead_dimensions') }}
),

transitions as (
    {%- for kpi, from_stage, to_stage in transitions %}
    select lead_id, cycle_number, '{{ kpi }}' as kpi, '{{ from_stage }}' as from_stage,
           '{{ to_stage }}' as to_stage,
           case when {{ to_stage }}_reached_at is not null then 1 else 0 end as converted
    from journeys where {{ from_stage }}_reached_at is not null and {{ is_measurable('stage:' ~ to_stage) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

rates as (
    select
        t.kpi,
        t.from_stage,
        t.to_stage,
        d.dimension,
        d.dimension_value,
        count(*) as entered_leads,
        {{ count_where('t.converted = 1') }} as converted_leads,
        cast(sum(t.converted) as double) / count(*) as conversion_rate
    from transitions as t
    inner join dimensions as d on d.lead_id = t.lead_id and d.cycle_number = t.cycle_number
    group by t.kpi, t.from_stage, t.to_stage, d.dimension, d.dimension_value
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
    row_number() over (order by leads_lost desc, gap_to_target, kpi, dimension, dimension_value)
        as bottleneck_rank,
    row_number() over (
        partition by kpi order by leads_lost desc, gap_to_target, dimension, dimension_value
    ) as rank_within_kpi
from scored
where dimension <> 'all'
