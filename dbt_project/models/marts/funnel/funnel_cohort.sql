-- Cohort conversion per dimension value: the flags of funnel_cohort_members summed per cohort
-- month, style, window and dimension value (one pass: grouping sets), then one row per stage (see
-- funnel_cohort_members for the cohort rules). Members are summed before unpivoting the stages, so
-- the model stays small in memory at a million leads. Young cohorts are marked. A stage no loaded
-- source carries has no rows (it is not measurable, not 0%).

{%- set later_stages = ['mql', 'sal', 'sql', 'opportunity', 'won', 'customer'] %}

with sums as (
    select
        m.cohort_basis, m.cohort_month, m.is_young, m.metric_style, m.window_days,
        {{ dimension_of_set('a') }},
        count(*) as cohort_leads,
        {%- for stage in later_stages %}
        sum(m.reached_{{ stage }}) as reached_{{ stage }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('funnel_cohort_members') }} as m
    inner join {{ ref('lead_attributes') }} as a
        on a.lead_id = m.lead_id and a.cycle_number = m.cycle_number
    group by {{ dimension_grouping_sets(['m.cohort_basis', 'm.cohort_month', 'm.is_young', 'm.metric_style',
                                         'm.window_days'], 'a') }}
),

stages as (
    {%- for stage in later_stages %}
    select cohort_basis, cohort_month, metric_style, window_days, dimension, dimension_value,
           '{{ stage }}' as stage, {{ loop.index }} as stage_order, cohort_leads,
           cast(reached_{{ stage }} as {{ dbt.type_bigint() }}) as reached_leads, is_young
    from sums
    where {{ is_measurable('stage:' ~ stage) }}
    {%- if stage == 'mql' %}
        and cohort_basis <> 'mql'
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    cohort_basis, cohort_month, metric_style, window_days, dimension, dimension_value, stage,
    stage_order, cohort_leads, reached_leads,
    cast(reached_leads as double) / cohort_leads as conversion_rate,
    is_young
from stages
