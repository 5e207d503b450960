-- Cohort conversion: lead cycles grouped by the month they reached MQL (cohort_basis = 'mql') or
-- became known ('known'), followed forward to each later stage. Two styles: cumulative (reached,
-- skipped stages inferred) and strict (entered every stage in order). window_days: converted
-- within that many days of entering the cohort (0 = no limit). Young cohorts are marked.

{%- set later_stages = ['mql', 'sal', 'sql', 'opportunity', 'won', 'customer'] %}

with journeys as (
    select * from {{ ref('lead_journey') }}
),

cohort_members as (
    select j.*, 'mql' as cohort_basis, j.cohort_month as cohort, j.mql_reached_at as cohort_at
    from journeys as j where j.mql_reached_at is not null
    union all
    select j.*, 'known', j.known_month, j.known_reached_at
    from journeys as j where j.known_reached_at is not null
),

windows as (
    select 0 as window_days
    union all
    select window_days from {{ source('config', 'funnel_windows') }}
),

reach as (
    {%- for style in ['cumulative', 'strict'] %}
    {%- set style_loop = loop %}
    {%- for s in later_stages %}
    select
        m.lead_id,
        m.cycle_number,
        m.cohort_basis,
        m.cohort,
        '{{ style }}' as metric_style,
        '{{ s }}' as stage,
        {{ loop.index }} as stage_order,
        w.window_days,
        case
            when m.cohort_basis = 'mql' and '{{ s }}' = 'mql' then null
            {%- if style == 'cumulative' %}
            when m.{{ s }}_reached_at is null then 0
            when w.window_days = 0 then 1
            when {{ seconds_between('m.cohort_at', 'm.' ~ s ~ '_reached_at') }} <= w.window_days * 86400 then 1
            {%- else %}
            when m.cohort_basis = 'mql' and not {{ strictly_reached('mql', s) if s != 'mql' else 'false' }} then 0
            when m.cohort_basis = 'known' and not {{ strictly_reached('known', s) }} then 0
            when w.window_days = 0 then 1
            when {{ seconds_between('m.cohort_at', 'm.' ~ s ~ '_at') }} <= w.window_days * 86400 then 1
            {%- endif %}
            else 0
        end as reached
    from cohort_members as m
    cross join windows as w
    {%- if not (style_loop.last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
),

dimensions as (
    select * from {{ ref('lead_dimensions') }}
),

aggregated as (
    select
        r.cohort_basis,
        r.cohort as cohort_month,
        r.metric_style,
        r.window_days,
        d.dimension,
        d.dimension_value,
        r.stage,
        r.stage_order,
        count(*) as cohort_leads,
        {{ count_where('r.reached = 1') }} as reached_leads
    from reach as r
    inner join dimensions as d on d.lead_id = r.lead_id and d.cycle_number = r.cycle_number
    where r.reached is not null
    group by r.cohort_basis, r.cohort, r.metric_style, r.window_days, d.dimension, d.dimension_value,
             r.stage, r.stage_order
)

select
    a.*,
    cast(a.reached_leads as double) / a.cohort_leads as conversion_rate,
    {{ cohort_is_young('a.cohort_month', 'o.as_of_local_date') }} as is_young
from aggregated as a
cross join {{ ref('int_as_of') }} as o
