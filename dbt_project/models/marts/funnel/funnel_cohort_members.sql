-- One row per lead cycle, cohort basis, style and window: which later stages the cycle reached.
-- The cohort rules live here; funnel_cohort sums these flags per dimension value and the
-- dashboard sums them under any combination of filters.
-- cohort_basis 'mql': cycles by the month they reached MQL; 'known': by the month they became
-- known. Styles: cumulative (reached, skipped stages inferred) and strict (entered every stage in
-- order). window_days: converted within that many days of entering the cohort (0 = no limit).

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

styles as (
    select 'cumulative' as metric_style
    union all
    select 'strict'
)

select
    m.lead_id,
    m.cycle_number,
    m.cohort_basis,
    m.cohort as cohort_month,
    m.cohort_at as cohort_entered_at,
    {{ cohort_is_young('m.cohort', 'o.as_of_local_date') }} as is_young,
    s.metric_style,
    w.window_days,
    {%- for stage in later_stages %}
    case
        when m.cohort_basis = 'mql' and '{{ stage }}' = 'mql' then null
        when s.metric_style = 'cumulative' then
            case
                when m.{{ stage }}_reached_at is null then 0
                when w.window_days = 0 then 1
                when {{ seconds_between('m.cohort_at', 'm.' ~ stage ~ '_reached_at') }} <= w.window_days * 86400 then 1
                else 0
            end
        {%- if stage != 'mql' %}
        when m.cohort_basis = 'mql' and not {{ strictly_reached('mql', stage) }} then 0
        {%- endif %}
        when m.cohort_basis = 'known' and not {{ strictly_reached('known', stage) }} then 0
        when w.window_days = 0 then 1
        when {{ seconds_between('m.cohort_at', 'm.' ~ stage ~ '_at') }} <= w.window_days * 86400 then 1
        else 0
    end as reached_{{ stage }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from cohort_members as m
cross join windows as w
cross join styles as s
cross join {{ ref('int_as_of') }} as o
