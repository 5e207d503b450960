-- Cohort conversion per dimension value: the flags of funnel_cohort_members summed per cohort
-- month, style, window and stage (see that model for the cohort rules). Young cohorts are marked.

{%- set later_stages = ['mql', 'sal', 'sql', 'opportunity', 'won', 'customer'] %}

with members as (
    select * from {{ ref('funnel_cohort_members') }}
),

reach as (
    {%- for stage in later_stages %}
    select lead_id, cycle_number, cohort_basis, cohort_month, is_young, metric_style, window_days,
           '{{ stage }}' as stage, {{ loop.index }} as stage_order, reached_{{ stage }} as reached
    from members
    {%- if stage == 'mql' %}
    where cohort_basis <> 'mql'
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

aggregated as (
    select
        r.cohort_basis,
        r.cohort_month,
        r.metric_style,
        r.window_days,
        d.dimension,
        d.dimension_value,
        r.stage,
        r.stage_order,
        count(*) as cohort_leads,
        {{ count_where('r.reached = 1') }} as reached_leads,
        r.is_young
    from reach as r
    inner join {{ ref('lead_dimensions') }} as d
        on d.lead_id = r.lead_id and d.cycle_number = r.cycle_number
    group by r.cohort_basis, r.cohort_month, r.metric_style, r.window_days, d.dimension,
             d.dimension_value, r.stage, r.stage_order, r.is_young
)

select
    cohort_basis, cohort_month, metric_style, window_days, dimension, dimension_value, stage,
    stage_order, cohort_leads, reached_leads,
    cast(reached_leads as double) / cohort_leads as conversion_rate,
    is_young
from aggregated
